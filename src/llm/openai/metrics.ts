// The LLM serving metrics, in the server's Prometheus registry: time to first token, generated tokens
// and generation seconds (their rates give tokens/s), prompt tokens, and the queue length per model.
import { Counter, Histogram, type Labels, type ServeMetrics } from "../../serve/metrics.js";

/** A value read when /metrics is scraped (queue lengths live in the engines, not here). */
export class CollectedGauge {
  constructor(readonly name: string, readonly help: string, private readonly collect: () => Array<{ labels: Labels; value: number }>) {}

  /** The exposition lines: HELP, TYPE, then one sample per series collected now. */
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const { labels, value } of this.collect()) {
      const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`);
      lines.push(`${this.name}${parts.length ? `{${parts.join(",")}}` : ""} ${value}`);
    }
    return lines;
  }
}

/** Per-model LLM metrics; labels are `model` and `version`. */
export class LlmMetrics {
  /** Seconds from the engine call to its first generated token. */
  readonly timeToFirstToken = new Histogram("ingot_llm_time_to_first_token_seconds", "Seconds from a generation request to its first token.", [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
  /** Tokens generated; rate(...) / rate(ingot_llm_generation_seconds_total) is tokens/s. */
  readonly generatedTokens = new Counter("ingot_llm_generated_tokens_total", "Tokens generated per model and version.");
  /** Seconds spent generating. */
  readonly generationSeconds = new Counter("ingot_llm_generation_seconds_total", "Seconds spent in generation calls per model and version.");
  /** Prompt tokens read. */
  readonly promptTokens = new Counter("ingot_llm_prompt_tokens_total", "Prompt tokens processed per model and version.");
  /** Generation requests running now (streaming ones until their stream ends). */
  readonly inFlight: CollectedGauge;
  /** Requests waiting for a free sequence, per loaded engine. */
  readonly queueLength: CollectedGauge;
  private readonly running = new Map<string, { labels: Labels; value: number }>();

  constructor(queues: () => Array<{ labels: Labels; value: number }>) {
    this.queueLength = new CollectedGauge("ingot_llm_queue_length", "Generation requests waiting for a free sequence per model and version.", queues);
    this.inFlight = new CollectedGauge("ingot_llm_requests_in_flight", "Generation requests running per model and version.", () => [...this.running.values()]);
  }

  /** Counts a request as running until the returned function is called. */
  start(labels: Labels): () => void {
    const k = `${labels.model}@${labels.version}`;
    let s = this.running.get(k);
    if (!s) this.running.set(k, (s = { labels, value: 0 }));
    s.value++;
    let done = false;
    return () => {
      if (!done) s.value--;
      done = true;
    };
  }

  /** Records one finished generation. */
  observe(labels: Labels, r: { promptTokens: number; completionTokens: number; timeToFirstTokenMs: number; totalMs: number }): void {
    if (r.completionTokens > 0) this.timeToFirstToken.observe(labels, r.timeToFirstTokenMs / 1000);
    this.generatedTokens.inc(labels, r.completionTokens);
    this.generationSeconds.inc(labels, r.totalMs / 1000);
    this.promptTokens.inc(labels, r.promptTokens);
  }

  /** The exposition lines of every LLM metric. */
  render(): string {
    return [this.timeToFirstToken, this.generatedTokens, this.generationSeconds, this.promptTokens, this.inFlight, this.queueLength].flatMap((m) => m.render()).join("\n") + "\n";
  }
}

const ATTACHED = Symbol("ingot.llm.metrics");

/**
 * Appends `llm` to what the server's `/metrics` renders. ServeMetrics has no way to register more
 * families, so its render is wrapped on this instance; a second attach replaces the first's families.
 */
export function attachToServeMetrics(serve: ServeMetrics, llm: LlmMetrics): void {
  const holder = serve as unknown as { [ATTACHED]?: LlmMetrics; render: () => string };
  if (!holder[ATTACHED]) {
    const base = serve.render.bind(serve);
    holder.render = () => base() + (holder[ATTACHED]?.render() ?? "");
  }
  holder[ATTACHED] = llm;
}
