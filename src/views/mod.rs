//! What a view page is made of beyond its own form: the view in the URL, lent by context to the
//! components that work across views (`current`); one section per source (`section`, with the
//! Iden listing's plan in `iden_listing`); the rows every table of the view shows (`shown`); and
//! one page from each vendor as the sections ask for it (`sources`); the effect that keeps a
//! source's rows in step with the URL (`loading`); Iden's live tail (`iden_live`).

pub mod current;
pub mod iden_listing;
pub mod iden_live;
pub mod loading;
pub mod section;
pub mod shown;
pub mod sources;
