//! GitHub Actions: the event payload, the inputs and the runner's variables turned into
//! request parts ([`event`]), and the run of a step ([`run()`]).

pub(crate) mod event;
mod run;

pub(crate) use event::detect;
pub(crate) use run::run;
