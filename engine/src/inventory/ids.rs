//! Typed identities of what an inventory holds: a distribution, an
//! environment, a site. Each is the position in its [`Inventory`] list, so
//! it is only meaningful for the inventory that issued it; it is never
//! written to a report (reports name things by path and name).

use std::fmt;

use super::{Distribution, Environment, Inventory, Site};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $list:ident, $item:ty, $get:ident, $iter:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $name {
            /// The id of the `i`-th entry of its list.
            pub fn new(i: usize) -> Self {
                // An inventory holds far fewer than 4 billion entries: the
                // scan of a whole machine is in the tens of thousands.
                $name(u32::try_from(i).expect("fewer than 2^32 entries in an inventory"))
            }

            /// The position in its list.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}#{}", stringify!($list), self.0)
            }
        }

        impl Inventory {
            #[doc = concat!("The entry `id` names. Panics on an id of another inventory that is out of range.")]
            pub fn $get(&self, id: $name) -> &$item {
                &self.$list[id.index()]
            }

            #[doc = concat!("Every entry of `", stringify!($list), "` with its id, in order.")]
            pub fn $iter(&self) -> impl ExactSizeIterator<Item = ($name, &$item)> + '_ {
                self.$list.iter().enumerate().map(|(i, x)| ($name::new(i), x))
            }
        }
    };
}

id_type!(
    /// A distribution of an [`Inventory`]: its position in `distributions`.
    DistId,
    distributions,
    Distribution,
    dist,
    dist_ids
);
id_type!(
    /// An environment of an [`Inventory`]: its position in `environments`.
    EnvId,
    environments,
    Environment,
    env,
    env_ids
);
id_type!(
    /// A site directory of an [`Inventory`]: its position in `sites`.
    SiteId,
    sites,
    Site,
    site,
    site_ids
);
