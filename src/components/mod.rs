//! The app's panels, one function component each.

pub mod browser;
pub mod checks;
pub mod fits;
pub mod form;
pub mod front;
pub mod history;
pub mod sign;
pub mod timings;
pub mod workers;
