// @vitest-environment happy-dom
/** Uploading one attached file: what reaches the relay (or storage), the progress the widget is told, and every way it can end. */
import { fail, ok } from '../../src/shared/result';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { UploadedAttachment } from '../../src/shared/attachments';
import { createRelayCall, type RelayCallFailure } from '../../src/submitter/relay-call';
import { createUploader, type UploadResult } from '../../src/submitter/upload-attachment';
import { stubXhr, type FakeXhr } from './fake-xhr';

const RELAY = 'https://relay.example';
const ATTACHMENT: UploadedAttachment = { id: 'att_0123456789abcdef', name: 'receipt.pdf', size: 7, type: 'application/pdf' };
const STORAGE_URL = 'https://storage.example/bucket/att_0123456789abcdef?X-Amz-Signature=abc';

const receipt = () => new File(['%PDF-1.'], 'receipt.pdf', { type: 'application/pdf' });
const relayError = (code: string) => ({ error: { code, message: 'English text for integrators.' } });

/** The relay's JSON answers by path, for the calls that go through fetch (direct mode); a path without one fails like an unreachable host. */
type Routes = Record<string, (init: RequestInit) => Response | Promise<Response>>;
const answer = (status: number, body: unknown) => () =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
/** Like a relay that never answers: pending until the request's signal aborts, as fetch does. */
const hang = (init: RequestInit) =>
  new Promise<Response>((_, reject) => {
    init.signal?.addEventListener('abort', () => reject(new DOMException('The operation was aborted.', 'AbortError')));
  });

let requests: FakeXhr[];

beforeEach(() => {
  requests = stubXhr();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** An uploader wired as mount() wires it, with the relay's fetch answers scripted and no waiting between retries. */
function setup({ direct = false, routes = {} }: { direct?: boolean; routes?: Routes } = {}) {
  const fetch = vi.fn(async (url: string | URL | Request, init: RequestInit = {}) => {
    const route = routes[new URL(String(url)).pathname];
    if (!route) throw new TypeError('Failed to fetch');
    return route(init);
  });
  const call = createRelayCall({ relay: RELAY, fetch: fetch as typeof globalThis.fetch, retries: 0 });
  const upload = createUploader(`${RELAY}/`, call, () => direct);
  const shares: number[] = [];
  const controller = new AbortController();
  let result: UploadResult | undefined;
  const start = (file = receipt()) =>
    upload(file, (share) => shares.push(share), controller.signal).then((value) => {
      result = value;
      return value;
    });
  return { start, fetch, shares, controller, result: () => result };
}

/** Lets the relay calls and promise callbacks before the next step run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('through the relay', () => {
  it('POSTs the file as multipart to {relay}/attachments, in the field "file"', async () => {
    const { start } = setup();
    const file = receipt();
    void start(file);
    const [xhr] = requests;
    expect(requests).toHaveLength(1);
    expect(xhr).toMatchObject({ method: 'POST', url: `${RELAY}/attachments`, sent: true });
    const sent = (xhr!.body as FormData).get('file') as File;
    expect(sent.name).toBe('receipt.pdf');
    expect(await sent.text()).toBe('%PDF-1.');
    // The browser writes the multipart Content-Type with its boundary.
    expect(xhr!.headers).toEqual({});
  });

  it('reports progress as the share sent, from 0 to 1', () => {
    const { start, shares } = setup();
    void start();
    const [xhr] = requests;
    xhr!.progress(0, 1000);
    xhr!.progress(250, 1000);
    xhr!.progress(1000, 1000);
    expect(shares).toEqual([0, 0.25, 1]);
  });

  it('reports no progress when the browser cannot tell the total', () => {
    const { start, shares } = setup();
    void start();
    requests[0]!.progress(250, 0, false);
    expect(shares).toEqual([]);
  });

  it('gives the attachment from a 201 answer', async () => {
    const { start } = setup();
    const uploading = start();
    requests[0]!.respondJson(201, ATTACHMENT);
    expect(await uploading).toEqual(ok(ATTACHMENT));
  });

  it.each<[string, number, string, Record<string, string>, RelayCallFailure]>([
    ['a 413 from the relay', 413, JSON.stringify(relayError('payload_too_large')), {}, { code: 'payload_too_large' }],
    ['a 415 from the relay', 415, JSON.stringify(relayError('unsupported_media_type')), {}, { code: 'unsupported_media_type' }],
    ['a 413 from a proxy, not JSON', 413, '<html>Request Entity Too Large</html>', {}, { code: 'payload_too_large' }],
    ['a 502 from a proxy, not JSON', 502, '<html><h1>Bad Gateway</h1></html>', {}, { code: 'upstream_unavailable' }],
    ['a 429 with Retry-After', 429, JSON.stringify(relayError('rate_limited')), { 'Retry-After': '20' }, { code: 'rate_limited', retryAfterMs: 20_000 }],
    ['a 201 without an id', 201, JSON.stringify({ name: 'receipt.pdf' }), {}, { code: 'bad_response' }],
    ['a 201 that is not JSON', 201, 'Created', {}, { code: 'bad_response' }],
  ])('reads %s as its code', async (_, status, body, headers, failure) => {
    const { start } = setup();
    const uploading = start();
    requests[0]!.respond(status, body, headers);
    expect(await uploading).toEqual(fail(failure));
  });

  it('says "network" when the connection fails', async () => {
    const { start } = setup();
    const uploading = start();
    requests[0]!.fail();
    expect(await uploading).toEqual(fail({ code: 'network' }));
  });

  it('aborts the request when the signal aborts, and says "aborted"', async () => {
    const { start, controller } = setup();
    const uploading = start();
    requests[0]!.progress(100, 1000);
    controller.abort();
    expect(requests[0]!.aborted).toBe(true);
    expect(await uploading).toEqual(fail({ code: 'aborted' }));
  });

  describe('a stalled upload', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });

    it('is given up as "timeout" after 30 s without progress', async () => {
      const { start, result } = setup();
      void start();
      await vi.advanceTimersByTimeAsync(29_999);
      expect(result()).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(requests[0]!.aborted).toBe(true);
      expect(result()).toEqual(fail({ code: 'timeout' }));
    });

    it('is kept alive by each progress event', async () => {
      const { start, result } = setup();
      void start();
      for (const loaded of [100, 200, 300]) {
        await vi.advanceTimersByTimeAsync(29_000);
        requests[0]!.progress(loaded, 1000);
      }
      await vi.advanceTimersByTimeAsync(29_999);
      expect(result()).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(result()).toEqual(fail({ code: 'timeout' }));
    });

    it('waits 2 minutes for the answer once every byte is sent, while the relay stores the file', async () => {
      const { start, result } = setup();
      void start();
      requests[0]!.progress(1000, 1000);
      requests[0]!.sentAll();
      await vi.advanceTimersByTimeAsync(119_999);
      expect(result()).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(result()).toEqual(fail({ code: 'timeout' }));
    });

    it('leaves no timer behind once answered', async () => {
      const { start } = setup();
      const uploading = start();
      requests[0]!.respondJson(201, ATTACHMENT);
      await uploading;
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});

describe('direct to storage', () => {
  const ticket = { id: ATTACHMENT.id, url: STORAGE_URL, headers: { 'Content-Type': 'application/pdf' } };
  const happyPath: Routes = {
    '/attachments/uploads': answer(201, ticket),
    [`/attachments/${ATTACHMENT.id}/complete`]: answer(201, ATTACHMENT),
  };

  it('asks the relay for an upload URL, PUTs the file there with its headers and progress, then has the relay check it', async () => {
    const { start, fetch, shares } = setup({ direct: true, routes: happyPath });
    const file = receipt();
    const uploading = start(file);
    await settle();

    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe(`${RELAY}/attachments/uploads`);
    expect(init).toMatchObject({ method: 'POST', headers: { 'Content-Type': 'application/json' } });
    expect(JSON.parse(init!.body as string)).toEqual({ name: 'receipt.pdf', size: 7, type: 'application/pdf' });

    const [put] = requests;
    expect(put).toMatchObject({ method: 'PUT', url: STORAGE_URL, headers: { 'Content-Type': 'application/pdf' }, sent: true });
    expect(put!.body).toBe(file);
    put!.progress(7, 14);
    put!.progress(14, 14);
    expect(shares).toEqual([0.5, 1]);
    put!.respond(200, '');

    expect(await uploading).toEqual(ok(ATTACHMENT));
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(fetch.mock.calls[1]![0]).toBe(`${RELAY}/attachments/${ATTACHMENT.id}/complete`);
    expect(fetch.mock.calls[1]![1]).toMatchObject({ method: 'POST' });
  });

  it.each<[string, Routes, ((put: FakeXhr) => void) | undefined, string, number]>([
    ['the relay refuses the type', { '/attachments/uploads': answer(415, relayError('unsupported_media_type')) }, undefined, 'unsupported_media_type', 1],
    ['the relay refuses the size', { '/attachments/uploads': answer(413, relayError('payload_too_large')) }, undefined, 'payload_too_large', 1],
    ['the relay cannot be reached', {}, undefined, 'network', 1],
    ['the relay gives no URL', { '/attachments/uploads': answer(201, { id: ATTACHMENT.id }) }, undefined, 'bad_response', 1],
    ['storage refuses the PUT', happyPath, (put) => put.respond(403, '<Error><Code>SignatureDoesNotMatch</Code></Error>'), 'bad_response', 1],
    ['storage cannot be reached', happyPath, (put) => put.fail(), 'network', 1],
    [
      'the relay finds the stored file is not an accepted type',
      { ...happyPath, [`/attachments/${ATTACHMENT.id}/complete`]: answer(415, relayError('unsupported_media_type')) },
      (put) => put.respond(200, ''),
      'unsupported_media_type',
      2,
    ],
    [
      'the relay cannot check the stored file',
      { ...happyPath, [`/attachments/${ATTACHMENT.id}/complete`]: answer(503, relayError('upstream_unavailable')) },
      (put) => put.respond(200, ''),
      'upstream_unavailable',
      2,
    ],
  ])('stops with its code when %s', async (_, routes, storage, code, relayCalls) => {
    const { start, fetch } = setup({ direct: true, routes });
    const uploading = start();
    await settle();
    if (storage) storage(requests[0]!);
    else expect(requests).toHaveLength(0);
    expect(await uploading).toEqual(fail({ code }));
    // Nothing is asked of the relay after a failed step: a failed PUT is never completed.
    expect(fetch).toHaveBeenCalledTimes(relayCalls);
  });

  it('aborts the PUT when the signal aborts, and never completes it', async () => {
    const { start, fetch, controller } = setup({ direct: true, routes: happyPath });
    const uploading = start();
    await settle();
    controller.abort();
    expect(requests[0]!.aborted).toBe(true);
    expect(await uploading).toEqual(fail({ code: 'aborted' }));
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('sends nothing to storage when the signal aborts while the URL is asked for', async () => {
    const { start, controller } = setup({ direct: true, routes: { '/attachments/uploads': hang } });
    const uploading = start();
    controller.abort();
    expect(await uploading).toEqual(fail({ code: 'aborted' }));
    expect(requests).toHaveLength(0);
  });
});
