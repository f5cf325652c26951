//! Texts that most events repeat (the connection's label, the category) kept once and shared:
//! 100,000 events would otherwise hold 100,000 copies of each.

use std::cell::RefCell;
use std::sync::Arc;

/// Distinct texts kept; beyond them (a vendor sending odd values) a text is not shared.
const MOST: usize = 64;

thread_local! {
    static TEXTS: RefCell<Vec<Arc<str>>> = const { RefCell::new(Vec::new()) };
}

/// The shared copy of `text`.
pub fn interned(text: &str) -> Arc<str> {
    TEXTS.with(|texts| {
        let mut texts = texts.borrow_mut();
        if let Some(kept) = texts.iter().find(|kept| ***kept == *text) {
            return kept.clone();
        }
        let new: Arc<str> = Arc::from(text);
        if texts.len() < MOST {
            texts.push(new.clone());
        }
        new
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_copy_of_a_repeated_text_and_no_more_than_the_most() {
        assert!(Arc::ptr_eq(&interned("authentication"), &interned("authentication")));
        assert_eq!(&*interned("authentication"), "authentication");
        for i in 0..2 * MOST {
            interned(&i.to_string());
        }
        let odd = format!("odd {}", 3 * MOST);
        assert!(!Arc::ptr_eq(&interned(&odd), &interned(&odd)), "not kept past the most");
        assert_eq!(&*interned(&odd), odd);
    }
}
