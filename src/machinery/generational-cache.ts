// A cache of what was used lately, in two generations: a hit in the old generation
// moves the entry to the young one, and the old generation is dropped whole when the
// young one fills. Hot entries stay; one-off entries pass through and are let go, and
// no per-entry bookkeeping is needed. Holds at most twice the generation size. Pure.

export class GenerationalCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  constructor(private readonly generationSize: number) {}

  get(key: K): V | undefined {
    const young = this.young.get(key);
    if (young !== undefined) return young;
    const old = this.old.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: K, value: V): void {
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  /** Entries held, both generations. */
  get size(): number {
    return this.young.size + this.old.size;
  }
}
