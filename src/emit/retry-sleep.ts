/** The one timer between a failed attempt and the next: later transitions wait behind it, in order. */
export class RetrySleep {
  #sleep: { timer: NodeJS.Timeout; wake: () => void } | null = null;

  get sleeping(): boolean {
    return this.#sleep !== null;
  }

  /** Calls `wake` after `ms`, unless woken early by `cut()`. */
  start(ms: number, wake: () => void): void {
    const done = () => {
      this.#sleep = null;
      wake();
    };
    this.#sleep = { timer: setTimeout(done, ms), wake: done };
  }

  /** Ends the sleep now and runs its wake-up. */
  cut(): void {
    if (this.#sleep === null) return;
    clearTimeout(this.#sleep.timer);
    this.#sleep.wake();
  }
}
