//! One switch per area with islands, `island_<area>`: on in the server and
//! the unsplit (development) bundle, and in a split bundle only for its own
//! area (`crate::area_of`). An island of another area is compiled as a
//! plain component that nothing calls, so the linker leaves it out.
fn main() {
    let on = |feature: &str| {
        let var = format!("CARGO_FEATURE_{}", feature.to_uppercase().replace('-', "_"));
        std::env::var_os(var).is_some()
    };
    for area in ["admin", "compose", "mail"] {
        println!("cargo::rustc-check-cfg=cfg(island_{area})");
        if on("ssr") || !on("split") || on(&format!("area-{area}")) {
            println!("cargo::rustc-cfg=island_{area}");
        }
    }
}
