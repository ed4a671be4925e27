// A binary heap of keyed items with O(log n) update and delete by key (the
// scheduling queue's activeQ and backoffQ, kube-scheduler's internal/heap).

/** An item in the heap with its key and where it sits, so moves need no map writes. */
interface Entry<T> {
  item: T;
  readonly key: string;
  position: number;
}

export class KeyedHeap<T> {
  private readonly entries: Entry<T>[] = [];
  private readonly byKey = new Map<string, Entry<T>>();

  constructor(
    private readonly keyOf: (item: T) => string,
    /** True when a must come out before b. */
    private readonly less: (a: T, b: T) => boolean,
  ) {}

  get length(): number {
    return this.entries.length;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  get(key: string): T | undefined {
    return this.byKey.get(key)?.item;
  }

  peek(): T | undefined {
    return this.entries[0]?.item;
  }

  /** Adds the item, or replaces the one with its key and restores heap order. */
  addOrUpdate(item: T): void {
    const key = this.keyOf(item);
    const existing = this.byKey.get(key);
    if (existing !== undefined) {
      existing.item = item;
      if (!this.up(existing.position)) this.down(existing.position);
      return;
    }
    const entry: Entry<T> = { item, key, position: this.entries.length };
    this.entries.push(entry);
    this.byKey.set(key, entry);
    this.up(entry.position);
  }

  pop(): T | undefined {
    const top = this.entries[0];
    if (top === undefined) return undefined;
    this.removeAt(0);
    return top.item;
  }

  delete(key: string): T | undefined {
    const entry = this.byKey.get(key);
    if (entry === undefined) return undefined;
    this.removeAt(entry.position);
    return entry.item;
  }

  values(): readonly T[] {
    return this.entries.map((e) => e.item);
  }

  private removeAt(i: number): void {
    const removed = this.entries[i]!;
    this.byKey.delete(removed.key);
    const last = this.entries.pop()!;
    if (i === this.entries.length) return;
    this.entries[i] = last;
    last.position = i;
    if (!this.up(i)) this.down(i);
  }

  private swap(i: number, j: number): void {
    const a = this.entries[i]!;
    const b = this.entries[j]!;
    this.entries[i] = b;
    this.entries[j] = a;
    b.position = i;
    a.position = j;
  }

  /** Moves entry i up; true when it moved. */
  private up(i: number): boolean {
    const start = i;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.entries[i]!.item, this.entries[parent]!.item)) break;
      this.swap(i, parent);
      i = parent;
    }
    return i !== start;
  }

  private down(i: number): void {
    const n = this.entries.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) return;
      const right = left + 1;
      const child = right < n && this.less(this.entries[right]!.item, this.entries[left]!.item) ? right : left;
      if (!this.less(this.entries[child]!.item, this.entries[i]!.item)) return;
      this.swap(i, child);
      i = child;
    }
  }
}
