/**
 * A provider's challenge (Turnstile, hCaptcha) in the form. Its script is loaded only when the
 * relay asks for it, and its widget is rendered into an element inside our shadow root: both
 * providers' `render()` take an element, and neither looks the container up by id.
 */
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { FormChallenge } from '../shared/form-definition';
import type { ChallengeSlot } from '../submitter/submission';

type Provider = 'turnstile' | 'hcaptcha';

/** The part of both providers' explicit-rendering API we use (same names in each). */
interface ProviderApi {
  render(container: HTMLElement, options: Record<string, string>): string;
  getResponse(id: string): string | undefined;
  reset(id: string): void;
  remove(id: string): void;
}

/** The documented explicit-render script of each provider (docs/spam.md lists the CSP they need). */
const SCRIPTS: Record<Provider, string> = {
  turnstile: 'https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit',
  hcaptcha: 'https://js.hcaptcha.com/1/api.js?render=explicit',
};

/** One script per page, shared by every widget on it. */
const loading: Partial<Record<Provider, Promise<ProviderApi>>> = {};

function load(provider: Provider): Promise<ProviderApi> {
  const api = () => (window as unknown as Record<Provider, ProviderApi | undefined>)[provider];
  // The page may have loaded the provider itself.
  const ready = api();
  if (ready) return Promise.resolve(ready);
  return (loading[provider] ??= new Promise<ProviderApi>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = SCRIPTS[provider];
    // Either way the promise settles: with the API, or (blocked by CSP, offline) without it.
    script.onload = script.onerror = () => {
      const loaded = api();
      if (loaded) return resolve(loaded);
      // Another mount may try again (the page's CSP or network may have been fixed).
      delete loading[provider];
      reject(new Error(`${provider} did not load; see docs/spam.md for the CSP it needs`));
    };
    document.head.append(script);
  }));
}

export interface ChallengeBoxProps {
  challenge: Extract<FormChallenge, { provider: Provider }>;
  slot: ChallengeSlot;
}

/**
 * The provider's widget in a box of ours, rendered once its script is ready and removed with the
 * box. A function with hooks rather than a class: the hooks are in the bundle anyway (signals use
 * them), while class fields cost a define-property helper at our build target.
 */
export function ChallengeBox({ challenge, slot }: ChallengeBoxProps) {
  const box = useRef<HTMLDivElement>(null);
  // Once per mount, right after it (as componentDidMount would): the challenge and the slot are
  // the mount's, and the provider's widget lives as long as the box.
  useLayoutEffect(() => {
    let gone = false;
    let remove: (() => void) | undefined;
    load(challenge.provider).then(
      (api) => {
        const container = box.current;
        if (gone || !container) return;
        const id = api.render(container, { sitekey: challenge.siteKey, ...(challenge.provider === 'turnstile' ? { action: challenge.action } : {}) });
        slot.token = () => api.getResponse(id) || undefined;
        slot.reset = () => api.reset(id);
        remove = () => api.remove(id);
      },
      (error: Error) => console.error(`[SocialboardsTicket] ${error.message}`),
    );
    return () => {
      gone = true;
      delete slot.token;
      delete slot.reset;
      remove?.();
    };
  }, []);
  return <div class="challenge" ref={box} />;
}
