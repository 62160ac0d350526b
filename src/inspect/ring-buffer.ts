/** A fixed-capacity FIFO that overwrites its oldest item: the recorder's memory bound. */
export class RingBuffer<T> {
  readonly #items: (T | undefined)[];
  #start = 0;
  #size = 0;
  #dropped = 0;

  constructor(readonly capacity: number) {
    this.#items = new Array<T | undefined>(capacity);
  }

  /** Appends `item`; returns the item it overwrote, if the buffer was full. */
  push(item: T): T | undefined {
    const end = (this.#start + this.#size) % this.capacity;
    const evicted = this.#size === this.capacity ? this.#items[end] : undefined;
    this.#items[end] = item;
    if (this.#size < this.capacity) this.#size += 1;
    else {
      this.#start = (this.#start + 1) % this.capacity;
      this.#dropped += 1;
    }
    return evicted;
  }

  get size(): number {
    return this.#size;
  }

  /** Items overwritten so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#size; i += 1) out.push(this.#items[(this.#start + i) % this.capacity] as T);
    return out;
  }
}
