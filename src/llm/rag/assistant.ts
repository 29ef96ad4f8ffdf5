// Retrieval-augmented answers: embed the question, fetch the nearest chunks, and ask the model to answer
// from them, citing passages as [n]. Citations point at the files and lines the passages came from.
import type { LlmEngine } from "../engine.js";
import { LlmError } from "../errors.js";
import type { SearchHit, VectorIndex } from "./vector-index.js";

/** A passage an answer rests on. */
export interface Citation {
  /** The passage's number in the prompt ([n] in the answer). */
  n: number;
  source: string;
  startLine: number;
  endLine: number;
  /** Cosine similarity of the passage to the question. */
  score: number;
}

/** What ask() returns. */
export interface AssistantAnswer {
  answer: string;
  /** The passages the answer cites as [n]; all passages given to the model when it cites none. */
  citations: Citation[];
}

/** Options of ask(). */
export interface AskOptions {
  /** Passages to retrieve (default 4). */
  k?: number;
  /** Most tokens in the answer (default 256). */
  maxTokens?: number;
  signal?: AbortSignal;
}

/** Options of the RetrievalAssistant constructor. */
export interface RetrievalAssistantOptions {
  engine: LlmEngine;
  index: VectorIndex;
  /** The system instruction (default: answer from the passages only, cite them as [n]). */
  system?: string;
}

/** The default system instruction of the assistant. */
export const DEFAULT_ASSISTANT_SYSTEM =
  "You answer questions using only the numbered context passages. Cite every passage you use as [n], " +
  "e.g. [1] or [2][3]. If the passages do not contain the answer, say that you do not know.";

/** Tokens kept free for what a chat template adds around the messages (at most, for the models we run). */
export const TEMPLATE_TOKENS = 64;

/** The user message: numbered passages, each headed by where it came from, then the question. */
export function formatContext(question: string, hits: readonly SearchHit[]): string {
  const passages = hits.map((h, i) => `[${i + 1}] ${h.source}:${h.startLine}-${h.endLine}\n${h.text}`);
  return `Context:\n\n${passages.join("\n\n")}\n\nQuestion: ${question}`;
}

/** Passage numbers cited as [n] in `answer`, in order of first mention, limited to 1..count. */
export function citedNumbers(answer: string, count: number): number[] {
  const seen: number[] = [];
  for (const m of answer.matchAll(/\[(\d+)\]/g)) {
    const n = Number(m[1]);
    if (n >= 1 && n <= count && !seen.includes(n)) seen.push(n);
  }
  return seen;
}

/** Answers questions from a vector index with an LLM (the same model embeds the question and answers). */
export class RetrievalAssistant {
  readonly engine: LlmEngine;
  readonly index: VectorIndex;
  private readonly system: string;

  constructor(opts: RetrievalAssistantOptions) {
    if (opts.engine.info.embeddingLength !== opts.index.dim) {
      throw new Error(`the index holds ${opts.index.dim}-dimensional vectors but ${opts.engine.info.name} embeds in ${opts.engine.info.embeddingLength}; index with the same model`);
    }
    this.engine = opts.engine;
    this.index = opts.index;
    this.system = opts.system ?? DEFAULT_ASSISTANT_SYSTEM;
  }

  /** The passages nearest to `question`, best first. */
  async retrieve(question: string, k = 4): Promise<SearchHit[]> {
    if (!question.trim()) throw new LlmError("invalid_request", "question: must not be empty");
    const [vector] = await this.engine.embed([question]);
    return this.index.search(vector, k);
  }

  /**
   * Retrieves `k` passages and asks the model to answer from them. Passages that would overflow the
   * context (after room for the answer) are dropped, least similar first.
   */
  async ask(question: string, opts: AskOptions = {}): Promise<AssistantAnswer> {
    const maxTokens = opts.maxTokens ?? 256;
    let hits = await this.retrieve(question, opts.k ?? 4);
    if (hits.length === 0) throw new Error(`${this.index.dir}: the index holds no passages`);
    const room = this.engine.info.contextLength - maxTokens - TEMPLATE_TOKENS;
    const count = async (h: readonly SearchHit[]): Promise<number> => (await this.engine.tokenize(this.system + formatContext(question, h))).length;
    while (hits.length > 0 && (await count(hits)) > room) hits = hits.slice(0, -1);
    if (hits.length === 0) {
      throw new LlmError("context_length_exceeded", `question: with one passage it does not fit the model's ${this.engine.info.contextLength}-token context and ${maxTokens} tokens for the answer; lower maxTokens or the chunk size`);
    }
    const r = await this.engine.chat(
      [{ role: "system", content: this.system }, { role: "user", content: formatContext(question, hits) }],
      { maxTokens, temperature: 0, signal: opts.signal },
    );
    const cited = citedNumbers(r.text, hits.length);
    const numbers = cited.length ? cited : hits.map((_, i) => i + 1);
    const citations = numbers.map((n) => {
      const h = hits[n - 1];
      return { n, source: h.source, startLine: h.startLine, endLine: h.endLine, score: h.score };
    });
    return { answer: r.text.trim(), citations };
  }
}
