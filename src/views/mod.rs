//! What a view page is made of beyond its own form: the view in the URL lent to the components
//! that work across views, and one section per source.

pub mod current;
pub mod iden_listing;
pub mod section;
