//! How a page starts its WASM: once the page has loaded and painted, at the browser's first idle
//! moment, not while it renders. The server's HTML is the whole first view (the history, the
//! forms that work without scripts), so nothing is lost by waiting, and on a slow phone the
//! HTML and the style sheet get the connection to themselves: the WASM, the biggest download by
//! far, neither delays the first paint nor competes with it (leptos' `HydrationScripts` preloads
//! it from the `<head>`, which does both).

use leptos::prelude::*;
use std::sync::OnceLock;

/// The script that fetches the front end's JS and WASM and hydrates the page.
#[component]
pub fn HydrationScript(options: LeptosOptions) -> impl IntoView {
    let (js, wasm) = front_end_files(&options);
    let nonce = leptos::nonce::use_nonce();
    view! {
        <script type="module" nonce=nonce>
            {format!("({BOOT})({js:?}, {wasm:?});")}
        </script>
    }
}

/// Waits for the `load` event, then for an idle moment (at most 2 s), then imports the JS,
/// which instantiates the WASM (streaming) and hydrates.
const BOOT: &str = "(js, wasm) => { \
    const go = () => import(js).then((m) => m.default({ module_or_path: wasm }).then(() => m.hydrate())); \
    const idle = () => 'requestIdleCallback' in window ? requestIdleCallback(go, { timeout: 2000 }) : setTimeout(go, 0); \
    if (document.readyState === 'complete') idle(); else addEventListener('load', idle, { once: true }); \
}";

/// The addresses of the front end's JS and WASM: their hashed names when the build wrote
/// `hash.txt` beside the binary (`hash-files`, read once), else `natter.js` and `natter.wasm`.
fn front_end_files(options: &LeptosOptions) -> &'static (String, String) {
    static FILES: OnceLock<(String, String)> = OnceLock::new();
    FILES.get_or_init(|| {
        let name = options.output_name.to_string();
        let (mut js, mut wasm) = (name.clone(), name);
        if options.hash_files {
            let hashes = std::env::current_exe()
                .ok()
                .and_then(|exe| Some(exe.parent()?.join(options.hash_file.as_ref())))
                .and_then(|path| std::fs::read_to_string(path).ok())
                .unwrap_or_default();
            for (file, hash) in hashes.lines().filter_map(|line| line.split_once(':')) {
                match file.trim() {
                    "js" => js = format!("{js}.{}", hash.trim()),
                    "wasm" => wasm = format!("{wasm}.{}", hash.trim()),
                    _ => {}
                }
            }
        }
        let pkg = &options.site_pkg_dir;
        (format!("/{pkg}/{js}.js"), format!("/{pkg}/{wasm}.wasm"))
    })
}
