/**
 * @module ui/theme-css
 * The default stylesheet of the sign-in pages, served at /assets/theme.css. THEME's colours
 * override its custom properties; a deployment's own stylesheet (THEME.stylesheetUrl) or inline
 * CSS (THEME.css) comes after it. Colours meet WCAG AA contrast on their backgrounds; focus is
 * always visible; one column that fits a phone.
 */
export const THEME_CSS = `:root{--primary:#2450d8;--primary-text:#fff;--background:#f2f4f8;--surface:#fff;--text:#1b2233;--muted:#566075;--border:#cfd5e1;--error:#b3261e;--focus:#1a5fd0}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:100%;line-height:1.5;background:var(--background);color:var(--text);-webkit-text-size-adjust:100%}
body{margin:0;min-height:100vh}
.shell{width:100%;max-width:27rem;margin:0 auto;padding:2.5rem 1rem 2rem}
.brand{display:flex;align-items:center;justify-content:center;gap:.6rem;margin:0 0 1.25rem;font-weight:650;font-size:1.1rem;letter-spacing:.01em}
.brand img{height:2rem;width:auto}
.card{background:var(--surface);border:1px solid var(--border);border-radius:14px;padding:2rem 1.75rem 1.75rem;box-shadow:0 1px 2px rgba(16,24,40,.06),0 4px 16px rgba(16,24,40,.06)}
.client-logo{display:block;max-height:3rem;max-width:10rem;margin:0 0 1rem}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .35rem;font-weight:650}
.client{margin:0 0 1.25rem;color:var(--muted)}
.client strong{color:var(--text);font-weight:600}
p{margin:.75rem 0}
.field{margin-top:1rem}
label{display:block;font-weight:550;margin:0 0 .35rem}
input{display:block;width:100%;font:inherit;color:var(--text);background:var(--surface);padding:.65rem .75rem;border:1px solid var(--border);border-radius:8px;min-height:2.75rem}
input:hover{border-color:var(--muted)}
input[aria-invalid=true]{border-color:var(--error);border-width:2px}
.field-error{color:var(--error);font-size:.9rem;margin:.35rem 0 0}
.button{display:block;width:100%;min-height:2.75rem;margin-top:1.25rem;padding:.65rem 1rem;font:inherit;font-weight:600;border-radius:8px;border:1px solid transparent;cursor:pointer;text-align:center;text-decoration:none}
.primary{background:var(--primary);color:var(--primary-text)}
.primary:hover{filter:brightness(.92)}
.secondary{background:transparent;color:var(--text);border-color:var(--border);margin-top:.75rem}
.secondary:hover,.option:hover{background:var(--background)}
.choices form+form .option{margin-top:.6rem}
.option{background:var(--surface);color:var(--text);border-color:var(--border);text-align:left;padding-left:1rem;margin-top:.25rem}
.option::after{content:"\\203A";float:right;color:var(--muted)}
.webauthn .button+.button{margin-top:.6rem}
:focus{outline:none}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
a{color:var(--primary);text-underline-offset:.15em}
a:hover{text-decoration-thickness:2px}
.message{margin:1rem 0;padding:.75rem 1rem;border-radius:8px;background:var(--background);border:1px solid var(--border)}
.message p{margin:0}
.message p+p,.message ul{margin-top:.35rem}
.message ul{padding-left:1.1rem;margin-bottom:0}
.message.error{background:#fdeceb;border-color:#f2b8b5;color:var(--error)}
.message.error a{color:var(--error)}
.muted{color:var(--muted)}
.alternatives{margin-top:1.25rem}
.links{display:flex;flex-wrap:wrap;justify-content:center;gap:.5rem 1.25rem;margin-top:1.5rem;font-size:.95rem}
footer{display:flex;justify-content:center;gap:1.25rem;margin-top:1.25rem;font-size:.875rem}
footer a{color:var(--muted)}
dl{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem;overflow-wrap:anywhere}
dt{font-weight:600;margin-top:.5rem}
dd{margin:0}
code,.code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem;overflow-wrap:anywhere;background:var(--background);padding:.1rem .3rem;border-radius:4px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.8rem;background:var(--background);padding:.75rem;border-radius:8px;border:1px solid var(--border)}
@media (max-width:30rem){.shell{padding:1.25rem .75rem}.card{padding:1.5rem 1.1rem;border-radius:12px}h1{font-size:1.35rem}}
@media (prefers-reduced-motion:no-preference){.button,input{transition:border-color .15s,background-color .15s}}
`;
