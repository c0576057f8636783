/**
 * Where a server listens and who can reach it, in the words the start-up banner and the API's log use.
 * Loopback is the default (HOST): on a laptop or a shared host the API, and /admin with it, stay off the
 * network; the image and the manifests set 0.0.0.0, where the platform routes traffic to the container.
 */

/** What `server.listen` is given. */
export interface ListenOptions {
  readonly host: string;
  readonly port: number;
}

/** The API's listen options: HOST and PORT. */
export function apiListenOptions(config: { readonly host: string; readonly port: number }): ListenOptions {
  return { host: config.host, port: config.port };
}

/** Whether `host` is a wildcard address: the server accepts connections on every interface. */
export function isEveryInterface(host: string): boolean {
  return host === '0.0.0.0' || /^[0:]+$/.test(host); // `::`, `0:0:0:0:0:0:0:0`
}

/** Whether only this machine can connect to `host`. */
export function isLoopback(host: string): boolean {
  return host === '::1' || host === 'localhost' || /^(::ffff:)?127\./.test(host);
}

const withBrackets = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** A URL that reaches the server from this machine (a wildcard is reached on loopback). */
export function localUrl({ host, port }: ListenOptions): string {
  return `http://${isEveryInterface(host) ? '127.0.0.1' : withBrackets(host)}:${port}`;
}

/**
 * The URL to use from this machine and who else can connect, e.g. `http://127.0.0.1:3000 (loopback only)`
 * or `http://127.0.0.1:3000 (all interfaces, 0.0.0.0:3000: reachable from the network)`.
 */
export function describeListening(options: ListenOptions): string {
  const { host, port } = options;
  if (isLoopback(host)) return `${localUrl(options)} (loopback only)`;
  if (isEveryInterface(host))
    return `${localUrl(options)} (all interfaces, ${withBrackets(host)}:${port}: reachable from the network)`;
  return `${localUrl(options)} (this address only)`;
}
