/**
 * Serialized answers kept by key and version (issue 10): `GET /payments/{imp_uid}` reads the
 * payment's `row_version` — one small indexed query — and, when it is the version an answer was
 * serialized at, sends that answer instead of reading the 66-column row, presenting and
 * serializing it again. The database grows the version on every change to what the answer is made
 * of (migration 0017's triggers), and every request reads it, so an answer is never older than
 * the database's committed state — on every instance. Bounded: least recently used go first.
 */
export class AnswerCache {
  private readonly entries = new Map<string, { version: number; body: string }>();

  constructor(private readonly size: number) {}

  get(key: string, version: number): string | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.version !== version) {
      this.entries.delete(key);
      return null;
    }
    // Map keeps insertion order: re-inserting marks it most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.body;
  }

  set(key: string, version: number, body: string): void {
    this.entries.delete(key);
    this.entries.set(key, { version, body });
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value as string);
  }
}
