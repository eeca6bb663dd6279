/**
 * The widget's styles, applied inside its shadow root only. Sizes are in px so a host's
 * `html { font-size: 62.5% }` cannot shrink us; theming goes through documented --sb-* properties.
 */
export const WIDGET_CSS = `
:host{all:initial;display:block;color-scheme:light;font:16px/1.5 var(--sb-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);color:var(--sb-text,#1f2328);--a:var(--sb-accent,#2557d6);--b:var(--sb-border,#8c959f);--e:var(--sb-error,#b3261e);--r:var(--sb-radius,8px)}
*,::before,::after{box-sizing:border-box}
.sb-root{background:var(--sb-background,#fff);border:1px solid var(--sb-frame,#d0d7de);border-radius:var(--r);padding:20px;max-width:var(--sb-max-width,560px)}
h2{font-size:20px;line-height:1.3;margin:0 0 16px;font-weight:600}
h2:focus{outline:none}
.sb-field{margin:0 0 16px;padding:0;border:0;min-width:0}
label,legend{display:block;font-weight:600;font-size:15px;margin:0 0 4px;padding:0}
.sb-optional{font-weight:400;color:var(--sb-muted,#59636e)}
input,textarea,select{display:block;width:100%;font:inherit;font-size:16px;color:inherit;background:var(--sb-input-background,#fff);border:1px solid var(--b);border-radius:calc(var(--r) - 2px);padding:8px 10px;margin:0}
[readonly]{background:var(--sb-readonly-background,#f1f3f5)}
.sb-check{display:flex;flex-wrap:wrap;align-items:center;gap:0 10px}
.sb-check input{width:20px;height:20px;margin:0;accent-color:var(--a)}
.sb-check label{margin:0;font-weight:400}
.sb-check .sb-error{flex-basis:100%}
.sb-link{all:unset;color:var(--a);text-decoration:underline;cursor:pointer}
textarea{resize:vertical;min-height:120px}
input:focus-visible,textarea:focus-visible,button:focus-visible,.sb-pill input:focus-visible+span{outline:3px solid var(--sb-focus,#2557d680);outline-offset:1px}
[aria-invalid=true]{border-color:var(--e);border-width:2px}
.sb-error{color:var(--e);font-size:14px;font-weight:600;margin:0 0 4px}
.sb-row{display:grid;gap:0 16px;grid-template-columns:repeat(auto-fit,minmax(200px,1fr))}
.sb-pills{display:flex;flex-wrap:wrap;gap:8px}
.sb-pill{margin:0;font-weight:400;cursor:pointer}
.sb-pill input{position:absolute;opacity:0;width:1px;height:1px;padding:0}
.sb-pill span{display:inline-block;border:1px solid var(--b);border-radius:999px;padding:4px 14px;font-size:15px}
.sb-pill input:checked+span{background:var(--a);border-color:var(--a);color:var(--sb-accent-text,#fff)}
button{font:inherit;font-weight:600;border-radius:calc(var(--r) - 2px);padding:10px 20px;cursor:pointer;display:inline-flex;align-items:center;gap:8px;min-height:44px}
.sb-primary{background:var(--a);color:var(--sb-accent-text,#fff);border:1px solid var(--a)}
.sb-secondary{background:transparent;color:var(--a);border:1px solid var(--a)}
[aria-disabled=true]{opacity:.7;cursor:progress}
.sb-alert{border-left:4px solid var(--e);background:var(--sb-error-background,#fdecea);padding:10px 12px;margin:0 0 16px;font-weight:600}
.sb-spinner{width:16px;height:16px;border:2px solid currentColor;border-right-color:transparent;border-radius:50%;animation:sb-spin .8s linear infinite}
@keyframes sb-spin{to{transform:rotate(1turn)}}
@media (prefers-reduced-motion:reduce){.sb-spinner{animation-duration:3s}}
.sb-visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap;margin:0}
`;
