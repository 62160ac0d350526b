/** Callers parked until some condition holds; released all at once, in the order they came. */
export class Waiters {
  #list: (() => void)[] = [];

  get size(): number {
    return this.#list.length;
  }

  wait(): Promise<void> {
    return new Promise((resolve) => this.#list.push(resolve));
  }

  releaseAll(): void {
    if (this.#list.length === 0) return;
    const list = this.#list;
    this.#list = [];
    for (const release of list) release();
  }
}
