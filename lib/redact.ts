// Credentials that travel in URLs (the payment callback's token) must not reach a log line or a span:
// whoever reads the logs or the traces could replay them.
const SECRET_PARAMS = ['token'];

/** The URL with the value of every credential parameter replaced; anything unparseable is kept out whole. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    for (const name of SECRET_PARAMS) if (parsed.searchParams.has(name)) parsed.searchParams.set(name, 'REDACTED');
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
