/**
 * A Prometheus histogram: cumulative counts per upper bound, a sum and a count. Observing is a
 * short scan over a handful of bounds, cheap enough for once per commit.
 */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  /** @param bounds upper bounds of the buckets, ascending; `+Inf` is added on rendering. */
  constructor(private readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  /** Records one value. */
  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    // Only the first bucket that holds the value is counted here; rendering accumulates.
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= (this.bounds[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1;
        return;
      }
    }
  }

  /**
   * The samples of `name` as Prometheus text lines (`name_bucket{le=...}`, `name_sum`,
   * `name_count`), the `# HELP` and `# TYPE` lines included.
   */
  render(name: string, help: string): string[] {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i] as number;
      lines.push(`${name}_bucket{le="${this.bounds[i]}"} ${cumulative}`);
    }
    lines.push(
      `${name}_bucket{le="+Inf"} ${this.count}`,
      `${name}_sum ${this.sum}`,
      `${name}_count ${this.count}`,
    );
    return lines;
  }
}
