// The driver moved to bench/lib/open-loop.ts (shared by the whole suite); kept for scripts that import it from here.
export * from '../lib/open-loop';
