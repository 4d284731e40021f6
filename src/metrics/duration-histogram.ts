import type { Histogram, Registry } from 'prom-client';

type Labels = Record<string, string>;

/** What prom-client's registry reads from a metric when it renders a scrape. */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/** One label set of a duration histogram: its observations, counted per bucket. */
export class DurationSeries {
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly labels: Readonly<Labels>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(seconds: number): void {
    const { bounds } = this;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]) bucket += 1;
    if (bucket < bounds.length) this.counts[bucket] += 1;
    this.sum += seconds;
    this.count += 1;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  /** The samples of this series in the form prom-client's Histogram exposes. */
  samples(name: string): Sample[] {
    const samples: Sample[] = [];
    let cumulative = 0;
    this.bounds.forEach((le, bucket) => {
      cumulative += this.counts[bucket];
      samples.push({
        labels: { le, ...this.labels },
        value: cumulative,
        metricName: `${name}_bucket`,
      });
    });
    samples.push(
      { labels: { le: '+Inf', ...this.labels }, value: this.count, metricName: `${name}_bucket` },
      { labels: { ...this.labels }, value: this.sum, metricName: `${name}_sum` },
      { labels: { ...this.labels }, value: this.count, metricName: `${name}_count` },
    );
    return samples;
  }
}

/**
 * A Prometheus histogram of durations for the request path. prom-client's `Histogram.observe`
 * builds and hashes a label key and turns the bucket bound into a property name on every call:
 * several microseconds per request in the service (bench/RESULTS.md), the largest part of what
 * the metrics cost. Here a caller holds its `DurationSeries` and an observation is a few
 * comparisons and additions; the registry renders the series at scrape in the same text format
 * as a prom-client Histogram (the unit spec compares the two).
 *
 * prom-client's registry accepts any object with the metric members it reads (`name`, `help`,
 * `type`, `aggregator`, `get`, `reset`); its TypeScript type lists only its own four classes,
 * hence the one cast in `register`.
 */
export class DurationHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, DurationSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Histogram);
    return this;
  }

  /** The series of one label set, made at its first use; hold on to it on a hot path. */
  labels(labels: Labels): DurationSeries {
    const key = JSON.stringify(labels);
    let series = this.series.get(key);
    if (!series) {
      series = new DurationSeries({ ...labels }, this.bounds);
      this.series.set(key, series);
    }
    return series;
  }

  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: Sample[];
  }> {
    const values = [...this.series.values()].flatMap((series) => series.samples(this.name));
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  /** Zeroes every series in place: callers keep the series they hold. */
  reset(): void {
    for (const series of this.series.values()) series.reset();
  }
}
