/**
 * The widget's styles, applied inside its shadow root only. Sizes are in px so a host's
 * `html { font-size: 62.5% }` cannot shrink us; theming goes through documented --sb-* properties.
 * Isolation: the page's rules reach into a shadow root only by inheritance from our host element,
 * and they beat `:host` rules; so our outermost element (`.root`) starts from `all: initial` (every
 * property but `direction`, which its `dir` attribute sets, and the --sb-* custom properties) and
 * sets what it inherits itself. Host rules then change nothing inside, `!important` or not.
 */
export const WIDGET_CSS = `
:host{all:initial;display:block;--a:var(--sb-accent,#2557d6);--b:var(--sb-border,#8c959f);--e:var(--sb-error,#b3261e);--r:var(--sb-radius,8px);--m:var(--sb-muted,#59636e);--f:var(--sb-frame,#d0d7de);--t:var(--sb-accent-text,#fff)}
*{box-sizing:border-box}
[hidden]{display:none!important}
.root{all:initial;display:block;box-sizing:border-box;color-scheme:light;accent-color:var(--a);font:16px/1.5 var(--sb-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);color:var(--sb-text,#1f2328);background:var(--sb-background,#fff);border:1px solid var(--f);border-radius:var(--r);padding:20px;max-width:var(--sb-max-width,560px)}
h2{font-size:20px;line-height:1.3;margin:0 0 16px;font-weight:600}
h2:focus{outline:none}
.field{margin:0 0 16px;padding:0;border:0;min-width:0}
label,legend{display:block;font-weight:600;font-size:15px;margin:0 0 4px;padding:0}
.optional{font-weight:400;color:var(--m)}
input,textarea,select{display:block;width:100%;font:inherit;color:inherit;background:var(--sb-input-background,#fff);border:1px solid var(--b);border-radius:calc(var(--r) - 2px);padding:8px 10px;margin:0}
[readonly]{background:var(--sb-readonly-background,#f1f3f5)}
.check{display:flex;flex-wrap:wrap;align-items:center;gap:0 10px}
.check input{width:20px;height:20px}
.check label{margin:0;font-weight:400}
.check .error{flex-basis:100%}
.muted{color:var(--m);font-size:14px}
.drop{display:flex;flex-wrap:wrap;align-items:center;gap:8px 12px;border:2px dashed var(--b);border-radius:var(--r);padding:12px}
.over{border-color:var(--a);background:var(--sb-drop-background,#eef3ff)}
.files{list-style:none;margin:8px 0 0;padding:0}
.file{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:baseline;padding:8px 0;border-bottom:1px solid var(--f)}
.file-name{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.file progress{flex-basis:100%;height:6px}
.file:not(.file-uploading) progress{display:none}
.file-failed .muted{color:var(--e)}
.link{all:unset;color:var(--a);text-decoration:underline;cursor:pointer}
textarea{resize:vertical;min-height:120px}
:is(input,textarea,select,button,a):focus-visible,.pill input:focus-visible+span{outline:3px solid var(--sb-focus,var(--a));outline-offset:2px}
[aria-invalid=true]{border-color:var(--e);border-width:2px}
.error{color:var(--e);font-size:14px;font-weight:600;margin:0 0 4px}
.fields{display:flex;flex-wrap:wrap;gap:0 16px}
.fields>*{flex:1 1 100%}
.fields>.half{flex-basis:200px}
.pills{display:flex;flex-wrap:wrap;gap:8px}
.pill{margin:0;font-weight:400;cursor:pointer}
.pill input{position:absolute;opacity:0;width:1px;height:1px;padding:0}
.pill span{display:inline-block;border:1px solid var(--b);border-radius:999px;padding:4px 14px;font-size:15px}
.pill input:checked+span{background:var(--a);border-color:var(--a);color:var(--t)}
button{font:inherit;font-weight:600;border-radius:calc(var(--r) - 2px);padding:10px 20px;cursor:pointer;display:inline-flex;align-items:center;gap:8px;min-height:44px;border:1px solid var(--a)}
.primary{background:var(--a);color:var(--t)}
.secondary{background:none;color:var(--a)}
[aria-disabled=true]{opacity:.7;cursor:progress}
.alert{border-inline-start:4px solid var(--e);background:var(--sb-error-background,#fdecea);padding:10px 12px;margin:0 0 16px;font-weight:600}
.alert ul{margin:6px 0 0;padding-inline-start:20px}
.alert a{color:inherit}
.spinner{width:16px;height:16px;border:2px solid;border-right-color:transparent;border-radius:50%;animation:spin .8s linear infinite}
@keyframes spin{to{transform:rotate(1turn)}}
@media (prefers-reduced-motion:reduce){.spinner{animation-duration:3s}}
@media (forced-colors:active){.pill input:checked+span{forced-color-adjust:none;background:Highlight;color:HighlightText}}
.trap{top:-10000px}
.challenge{margin:0 0 16px}
.trap,.hidden{position:absolute;width:1px;height:1px;overflow:hidden}
.hidden{clip-path:inset(50%);white-space:nowrap;margin:0}
`;
