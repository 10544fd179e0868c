// The compositions of BATON_COMPOSITIONS_FILE, reloaded without a restart: on a change to the file
// (or SIGHUP) the new content is validated and compiled, then every composition is swapped at once.
// A bad file changes nothing: the last good version keeps serving, and the fault is logged, counted
// and shown by /readyz. A request keeps the version it matched, so a swap never cuts one short.
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { compileCompositions, type CompiledComposition, type CompiledFile, type CompileOptions } from '../../composition/file/compile';
import type { RouteSegment } from '../../composition/file/templates';
import type { ServiceName } from '../../contracts';
import { BATON_SOURCE } from '../../composition/endpoint';
import { getLoyalty, getUser, listUserOrders } from '../../composition/endpoints';
import type { Logger } from '../../lib/logger';
import { BATON_ROUTE_PREFIXES } from '../app';
import { orderState, ordersInFlight } from './baton-sources';

/** Calls whose answers Baton knows: a file source making one is checked against its schema and documented with it. */
const KNOWN_ENDPOINTS = [getUser, listUserOrders, getLoyalty, orderState, ordersInFlight];

/** What a file may use in this process: the services it has URLs for, Baton's own orders, and no path of Baton's own. */
export function compileOptionsFor(baseUrls: Readonly<Partial<Record<ServiceName, string>>>): CompileOptions {
  const services = Object.entries(baseUrls).flatMap(([name, url]) => (url ? [name as ServiceName] : []));
  return { services: [...services, BATON_SOURCE], endpoints: KNOWN_ENDPOINTS, reservedPrefixes: BATON_ROUTE_PREFIXES };
}

export interface CompositionsStatus {
  file: string;
  /** Of the version being served. */
  version: string;
  loadedAt: string;
  compositions: string[];
  /** The last reload that was refused, when it came after the version being served. */
  lastError?: { at: string; errors: string[] };
}

export interface Match {
  compiled: CompiledComposition;
  params: Record<string, string>;
}

/** Thrown at start: the file cannot be served. `errors` name each bad field. */
export class CompositionsFileError extends Error {
  constructor(
    readonly file: string,
    readonly errors: readonly string[],
  ) {
    super(`${file} is not a valid compositions file:\n  ${errors.join('\n  ')}`);
    this.name = 'CompositionsFileError';
  }
}

export interface FileCompositionsOptions extends CompileOptions {
  logger: Logger;
  /** Called after each reload attempt that read a changed file. */
  onReload?: (result: 'ok' | 'invalid', version: string) => void;
}

/** How long a burst of change events (an editor writes, renames, touches) is let settle before one reload. */
const SETTLE_MS = 50;

export class FileCompositions {
  readonly file: string;
  #current: CompiledFile;
  /** The current compositions, those with more literal segments first: /a/b wins over /a/{x}. */
  #routing: readonly CompiledComposition[] = [];
  #loadedAt: Date;
  #lastError: CompositionsStatus['lastError'];
  #watcher: FSWatcher | undefined;
  #settle: NodeJS.Timeout | undefined;
  #reloading: Promise<unknown> = Promise.resolve();
  readonly #onSighup = () => void this.reload();

  private constructor(
    file: string,
    initial: CompiledFile,
    private readonly options: FileCompositionsOptions,
  ) {
    this.file = file;
    this.#current = initial;
    this.#routing = routingOrder(initial);
    this.#loadedAt = new Date();
  }

  /** Loads the file once; throws CompositionsFileError naming every bad field. */
  static async load(file: string, options: FileCompositionsOptions): Promise<FileCompositions> {
    const path = resolve(file);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new CompositionsFileError(path, [`(file): cannot be read: ${(err as Error).message}`]);
    }
    const result = compileCompositions(text, options);
    if (!result.ok) throw new CompositionsFileError(path, result.errors);
    options.onReload?.('ok', result.file.version);
    return new FileCompositions(path, result.file, options);
  }

  /** The version being served; a request that matched keeps its own even if a reload swaps this one. */
  get current(): CompiledFile {
    return this.#current;
  }

  status(): CompositionsStatus {
    return {
      file: this.file,
      version: this.#current.version,
      loadedAt: this.#loadedAt.toISOString(),
      compositions: this.#current.compositions.map((c) => c.name),
      ...(this.#lastError && { lastError: this.#lastError }),
    };
  }

  /** The composition serving GET `path` in the current version, with its raw path parameters. */
  match(path: string): Match | undefined {
    const segments = path === '/' ? [] : path.slice(1).split('/');
    for (const compiled of this.#routing) {
      const params = matchRoute(compiled.route, segments);
      if (params) return { compiled, params };
    }
    return undefined;
  }

  /** Reads the file again; swaps to it when it is valid. Resolves true when a new version is served. */
  reload(): Promise<boolean> {
    // One at a time, in order: a slow read must not overwrite a newer one.
    const next = this.#reloading.then(() => this.#reloadNow());
    this.#reloading = next.catch(() => undefined);
    return next;
  }

  async #reloadNow(): Promise<boolean> {
    const { logger, onReload } = this.options;
    let result: ReturnType<typeof compileCompositions>;
    try {
      result = compileCompositions(await readFile(this.file, 'utf8'), this.options);
    } catch (err) {
      result = { ok: false, errors: [`(file): cannot be read: ${(err as Error).message}`] };
    }
    if (!result.ok) {
      this.#lastError = { at: new Date().toISOString(), errors: [...result.errors] };
      logger.warn({ file: this.file, version: this.#current.version, errors: result.errors }, 'compositions file refused: the last good version keeps serving');
      onReload?.('invalid', this.#current.version);
      return false;
    }
    if (result.file.version === this.#current.version) {
      // The file is back to what is served (a bad edit undone): nothing to swap, nothing wrong any more.
      this.#lastError = undefined;
      return false;
    }
    this.#current = result.file;
    this.#routing = routingOrder(result.file);
    this.#loadedAt = new Date();
    this.#lastError = undefined;
    logger.info({ file: this.file, version: result.file.version, compositions: result.file.compositions.map((c) => c.name) }, 'compositions reloaded');
    onReload?.('ok', result.file.version);
    return true;
  }

  /** Reloads on every change to the file (`file`) and on SIGHUP (`signal`), until `close`. */
  watch({ file = true, signal = true }: { file?: boolean; signal?: boolean } = {}): this {
    if (file && !this.#watcher) {
      // The directory, not the file: editors and Kubernetes ConfigMaps replace a file by renaming over it,
      // which ends a watch on the old inode.
      const name = basename(this.file);
      this.#watcher = watch(dirname(this.file), (_event, changed) => {
        if (changed !== null && changed !== name && !changed.startsWith('..')) return;
        clearTimeout(this.#settle);
        this.#settle = setTimeout(() => void this.reload(), SETTLE_MS);
      });
      this.#watcher.on('error', (err) => this.options.logger.warn({ err, file: this.file }, 'cannot watch the compositions file; SIGHUP still reloads it'));
    }
    if (signal) {
      process.off('SIGHUP', this.#onSighup);
      process.on('SIGHUP', this.#onSighup);
    }
    return this;
  }

  async close(): Promise<void> {
    this.#watcher?.close();
    this.#watcher = undefined;
    clearTimeout(this.#settle);
    process.off('SIGHUP', this.#onSighup);
    await this.#reloading;
  }
}

const literals = (c: CompiledComposition) => c.route.filter((s) => s.kind === 'literal').length;
const routingOrder = (file: CompiledFile) => [...file.compositions].sort((a, b) => literals(b) - literals(a));

function matchRoute(route: readonly RouteSegment[], segments: readonly string[]): Record<string, string> | undefined {
  if (route.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < route.length; i++) {
    const part = route[i]!;
    const segment = segments[i]!;
    if (part.kind === 'literal') {
      if (part.value !== segment) return undefined;
      continue;
    }
    try {
      params[part.name] = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
  }
  return params;
}
