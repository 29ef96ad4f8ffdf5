// The LLM runtime: a GGUF model loaded by node-llama-cpp behind the LlmEngine contract. One context
// holds `sequences` independent sequences; each request leases one (others queue), starts from a clean
// sequence so results do not depend on what ran before, and is checked against the context size before
// anything is evaluated.
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import type {
  ChatHistoryItem, ChatModelFunctions, ChatWrapper, GbnfJsonSchema, Llama, LlamaContext, LlamaContextSequence,
  LlamaEmbeddingContext, LlamaGrammar, LlamaModel, Token,
} from "node-llama-cpp";
import { toChatHistory } from "./chat-history.js";
import type { ChatMessage, LlmGenerateOptions, GenerateResult, LlmEngine, LlmInfo, ToolCall, ToolDefinition } from "./engine.js";
import { LlmError } from "./errors.js";
import { checkJsonSchema } from "./json-schema-check.js";
import { GgufError } from "./gguf/errors.js";
import { ggufMetaNumber, ggufMetaString, readGgufHeader, type GgufHeader } from "./gguf/reader.js";
import { ggufFileTypeName } from "./gguf/types.js";
import { resolveModelRef, type ResolveModelRefOptions } from "./resolve.js";
import { SequencePool } from "./sequence-pool.js";

/** Options of loadLlm. */
export interface LoadLlmOptions extends ResolveModelRefOptions {
  /** Tokens each sequence holds (default: the training context, at most 4096). */
  contextSize?: number;
  /** Requests served at once; more wait in a queue (default 4). */
  sequences?: number;
  /** "auto" offloads layers to a GPU where node-llama-cpp finds CUDA/Vulkan/Metal; false stays on CPU (default "auto"). */
  gpu?: "auto" | false;
  /** Create the embedding context at load instead of on the first embed() call. */
  embedding?: boolean;
  /** CPU threads (default: half the cores; more threads than free cores makes llama.cpp spin, 1 token/s instead of 1000s). */
  threads?: number;
}

// One llama.cpp backend per process and GPU mode: loading it takes seconds and it is safe to share.
const llamas = new Map<string, Promise<Llama>>();
// llama.cpp reports why a load failed in its log, not in the exception: keep the last few lines.
const recentLog: string[] = [];

async function sharedLlama(gpu: "auto" | false): Promise<Llama> {
  const key = String(gpu);
  let p = llamas.get(key);
  if (!p) {
    p = (async () => {
      const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
      return getLlama({
        gpu,
        build: "never", // never compile or download llama.cpp at runtime: use the prebuilt binaries
        progressLogs: false,
        logLevel: LlamaLogLevel.warn,
        logger: (level, message) => {
          recentLog.push(message.trim());
          if (recentLog.length > 20) recentLog.shift();
          if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) process.stderr.write(`llama.cpp: ${message.trim()}\n`);
        },
      });
    })();
    p.catch(() => llamas.delete(key));
    llamas.set(key, p);
  }
  return p;
}

async function knownArchitectures(): Promise<Set<string>> {
  const { GgufArchitectureType } = (await import("node-llama-cpp")) as unknown as { GgufArchitectureType: Record<string, string> };
  return new Set(Object.values(GgufArchitectureType));
}

function headerOf(path: string): GgufHeader {
  try {
    return readGgufHeader(path);
  } catch (e) {
    if (e instanceof GgufError) throw new LlmError("invalid_model", e.message, { cause: e });
    throw e;
  }
}

function infoFrom(path: string, h: GgufHeader, model: LlamaModel, context: LlamaContext, llama: Llama): LlmInfo {
  const arch = ggufMetaString(h, "general.architecture") ?? "unknown";
  const fileType = ggufMetaNumber(h, "general.file_type");
  const tokens = h.metadata["tokenizer.ggml.tokens"];
  let parameters = 0;
  for (const t of h.tensors) parameters += t.shape.reduce((a, b) => a * b, 1);
  return {
    path,
    name: ggufMetaString(h, "general.name") ?? basename(path),
    architecture: arch,
    parameters,
    quantization: fileType !== undefined ? ggufFileTypeName(fileType) : (h.tensors.find((t) => t.name.endsWith("attn_q.weight") || t.name.endsWith("attn_qkv.weight"))?.type ?? "unknown"),
    trainContextLength: ggufMetaNumber(h, `${arch}.context_length`) ?? model.trainContextSize,
    contextLength: context.contextSize,
    embeddingLength: ggufMetaNumber(h, `${arch}.embedding_length`) ?? model.embeddingVectorSize,
    vocabularySize: tokens?.type === "array" ? tokens.value.length : 0,
    gpu: model.gpuLayers > 0 && llama.gpu !== false ? llama.gpu : false,
  };
}

function finishReason(stop: string): GenerateResult["finishReason"] {
  if (stop === "maxTokens") return "length";
  if (stop === "functionCalls") return "tool_calls";
  if (stop === "abort") return "abort";
  return "stop";
}

/** A fresh OpenAI-style tool call id. */
function callId(): string {
  return `call_${randomBytes(12).toString("hex")}`;
}

/** Measures a generation: first-token time and generated-token count. */
class GenerationMeter {
  readonly start = performance.now();
  firstTokenAt: number | null = null;
  tokens = 0;
  onToken = (t: Token[]): void => {
    if (this.firstTokenAt === null) this.firstTokenAt = performance.now();
    this.tokens += t.length;
  };
  result(text: string, reason: GenerateResult["finishReason"], promptTokens: number, toolCalls: ToolCall[] = []): GenerateResult {
    const end = performance.now();
    return {
      text, finishReason: reason, toolCalls, promptTokens, completionTokens: this.tokens,
      timeToFirstTokenMs: (this.firstTokenAt ?? end) - this.start, totalMs: end - this.start,
    };
  }
}

class LlamaEngine implements LlmEngine {
  readonly info: LlmInfo;
  private readonly pool: SequencePool<LlamaContextSequence>;
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private embedding: Promise<LlamaEmbeddingContext> | null = null;
  private embedQueue: Promise<unknown> = Promise.resolve();
  private readonly embedContextSize: number;
  private closed = false;

  constructor(
    path: string,
    header: GgufHeader,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly chatWrapper: ChatWrapper,
    sequences: LlamaContextSequence[],
  ) {
    this.info = infoFrom(path, header, model, context, llama);
    this.pool = new SequencePool(sequences);
    this.embedContextSize = Math.min(context.contextSize, model.trainContextSize);
  }

  queueLength(): number {
    return this.pool.queueLength;
  }

  private checkOpen(): void {
    if (this.closed) throw new LlmError("closed", `${this.info.name}: the model has been closed`);
  }

  /** Tokens left for generation after `promptTokens`, or a clear error when the prompt does not fit. */
  private budget(promptTokens: number, maxTokens: number | undefined): number {
    const ctx = this.context.contextSize;
    if (promptTokens >= ctx) throw new LlmError("context_length_exceeded", `prompt has ${promptTokens} tokens; the context holds ${ctx}`);
    if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) throw new LlmError("invalid_request", `maxTokens must be a positive integer, got ${maxTokens}`);
    return Math.min(maxTokens ?? Infinity, ctx - promptTokens);
  }

  private grammarFor(schema: Record<string, unknown>): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let g = this.grammars.get(key);
    if (!g) {
      checkJsonSchema(schema);
      g = this.llama.createGrammarForJsonSchema(schema as never).catch((e: unknown) => {
        this.grammars.delete(key);
        throw new LlmError("invalid_schema", `jsonSchema cannot be compiled to a grammar: ${(e as Error).message}`, { cause: e });
      }) as Promise<LlamaGrammar>;
      this.grammars.set(key, g);
    }
    return g;
  }

  private sampling(opts: LlmGenerateOptions): { temperature?: number; topK?: number; topP?: number; minP?: number; seed?: number; repeatPenalty: false | { penalty: number } } {
    return {
      temperature: opts.temperature ?? 0,
      topK: opts.topK,
      topP: opts.topP,
      minP: opts.minP,
      seed: opts.seed,
      repeatPenalty: opts.repeatPenalty !== undefined && opts.repeatPenalty !== 1 ? { penalty: opts.repeatPenalty } : false,
    };
  }

  async chat(messages: ChatMessage[], opts: LlmGenerateOptions = {}): Promise<GenerateResult> {
    this.checkOpen();
    const history = toChatHistory(messages);
    const tools = opts.toolChoice === "none" ? [] : (opts.tools ?? []);
    if (tools.length && opts.jsonSchema) throw new LlmError("invalid_request", "jsonSchema and tools cannot be combined in one request");
    const forced = tools.length > 0 && (opts.toolChoice === "required" || typeof opts.toolChoice === "object");
    if (forced) return this.forcedToolCall(history, tools, opts);
    const functions = tools.length ? toFunctions(tools) : undefined;
    const grammar = opts.jsonSchema ? await this.grammarFor(opts.jsonSchema) : undefined;
    const promptTokens = this.chatWrapper.generateContextState({ chatHistory: history, availableFunctions: functions }).contextText.tokenize(this.model.tokenizer).length;
    const maxTokens = this.budget(promptTokens, opts.maxTokens);
    const { LlamaChat } = await import("node-llama-cpp");
    return this.pool.use(async (seq) => {
      await seq.clearHistory();
      const meter = new GenerationMeter();
      const chat = new LlamaChat({ contextSequence: seq, chatWrapper: this.chatWrapper, autoDisposeSequence: false });
      try {
        const common = {
          ...this.sampling(opts), maxTokens, onToken: meter.onToken, onTextChunk: opts.onText, signal: opts.signal,
          stopOnAbortSignal: true, customStopTriggers: opts.stop,
        };
        const r = functions
          ? await chat.generateResponse(history, { ...common, functions })
          : await chat.generateResponse(history, { ...common, grammar });
        const calls: ToolCall[] = (r.functionCalls ?? []).map((c) => ({ id: callId(), name: c.functionName, arguments: JSON.stringify(c.params ?? {}) }));
        const reason = calls.length ? "tool_calls" : finishReason(r.metadata.stopReason);
        return meter.result(r.response, reason, promptTokens, calls);
      } finally {
        chat.dispose({ disposeSequence: false });
      }
    }, opts.signal);
  }

  /**
   * tool_choice "required" / {name}: the reply is constrained by a grammar to
   * `{"name": <a tool>, "arguments": <its parameters>}` and returned as one tool call. This does not
   * rely on the model knowing its template's function-call syntax, so it works for any model.
   */
  private async forcedToolCall(history: ChatHistoryItem[], tools: ToolDefinition[], opts: LlmGenerateOptions): Promise<GenerateResult> {
    const choice = opts.toolChoice;
    const pick = typeof choice === "object" ? tools.filter((t) => t.name === choice.name) : tools;
    if (!pick.length) throw new LlmError("invalid_request", `toolChoice names ${JSON.stringify((choice as { name: string }).name)}, which is not among the tools`);
    const variants = pick.map((t) => ({
      type: "object",
      properties: { name: { const: t.name }, arguments: t.parameters ?? { type: "object", properties: {} } },
    }));
    const schema = variants.length === 1 ? variants[0] : { oneOf: variants };
    const r = await this.chat(
      toolsSystemNote(history, pick),
      { ...opts, tools: undefined, toolChoice: undefined, jsonSchema: schema },
    );
    if (r.finishReason !== "stop") return r; // cut off by maxTokens or aborted: no complete call to return
    let parsed: { name: string; arguments: unknown };
    try {
      parsed = JSON.parse(r.text) as typeof parsed;
    } catch {
      return r;
    }
    return { ...r, text: "", finishReason: "tool_calls", toolCalls: [{ id: callId(), name: parsed.name, arguments: JSON.stringify(parsed.arguments) }] };
  }

  async complete(prompt: string, opts: LlmGenerateOptions = {}): Promise<GenerateResult> {
    this.checkOpen();
    if (typeof prompt !== "string") throw new LlmError("invalid_request", "prompt: expected a string");
    const tokens = this.model.tokenize(prompt, true);
    if (this.model.tokens.shouldPrependBosToken && this.model.tokens.bos !== null && tokens[0] !== this.model.tokens.bos) tokens.unshift(this.model.tokens.bos);
    if (tokens.length === 0) throw new LlmError("invalid_request", "prompt: empty prompts cannot be completed");
    const maxTokens = this.budget(tokens.length, opts.maxTokens);
    const grammar = opts.jsonSchema ? await this.grammarFor(opts.jsonSchema) : undefined;
    const { LlamaCompletion } = await import("node-llama-cpp");
    return this.pool.use(async (seq) => {
      await seq.clearHistory();
      const meter = new GenerationMeter();
      const completion = new LlamaCompletion({ contextSequence: seq, autoDisposeSequence: false });
      try {
        const r = await completion.generateCompletionWithMeta(tokens, {
          ...this.sampling(opts), maxTokens, onToken: meter.onToken, onTextChunk: opts.onText, signal: opts.signal,
          stopOnAbortSignal: true, customStopTriggers: opts.stop, grammar, disableContextShift: true,
        });
        return meter.result(r.response, finishReason(r.metadata.stopReason), tokens.length);
      } finally {
        completion.dispose({ disposeSequence: false });
      }
    }, opts.signal);
  }

  private embeddingContext(): Promise<LlamaEmbeddingContext> {
    this.embedding ??= this.model.createEmbeddingContext({ contextSize: this.embedContextSize, threads: this.context.idealThreads });
    return this.embedding;
  }

  async embed(texts: string[]): Promise<number[][]> {
    this.checkOpen();
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== "string")) throw new LlmError("invalid_request", "texts: expected an array of strings");
    const ctx = await this.embeddingContext();
    const run = this.embedQueue.then(async () => {
      const out: number[][] = [];
      for (const [i, text] of texts.entries()) {
        const n = this.model.tokenize(text).length;
        if (n >= this.embedContextSize) throw new LlmError("context_length_exceeded", `texts[${i}] has ${n} tokens; the context holds ${this.embedContextSize}`);
        out.push(Array.from((await ctx.getEmbeddingFor(text)).vector));
      }
      return out;
    });
    this.embedQueue = run.catch(() => undefined); // one embedding at a time: the context has one sequence
    return run;
  }

  async tokenize(text: string): Promise<number[]> {
    this.checkOpen();
    if (typeof text !== "string") throw new LlmError("invalid_request", "text: expected a string");
    return this.model.tokenize(text, false).map(Number);
  }

  async detokenize(tokens: number[]): Promise<string> {
    this.checkOpen();
    const bad = tokens.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= this.info.vocabularySize);
    if (bad >= 0) throw new LlmError("invalid_request", `tokens[${bad}]: ${tokens[bad]} is not a token id (0..${this.info.vocabularySize - 1})`);
    return this.model.detokenize(tokens as Token[], false);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pool.close();
    if (this.embedding) await (await this.embedding.catch(() => null))?.dispose();
    await this.context.dispose();
    await this.model.dispose();
  }
}

function toFunctions(tools: ToolDefinition[]): ChatModelFunctions {
  const out: Record<string, { description?: string; params?: GbnfJsonSchema }> = {};
  for (const t of tools) {
    if (typeof t.name !== "string" || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(t.name)) throw new LlmError("invalid_request", `tools: ${JSON.stringify(t.name)} is not a function name`);
    out[t.name] = { description: t.description, params: t.parameters as GbnfJsonSchema | undefined };
  }
  return out;
}

/** The history with a system note listing the tools, for the grammar-forced tool call. */
function toolsSystemNote(history: ChatHistoryItem[], tools: ToolDefinition[]): ChatMessage[] {
  const note = `Call one of these tools by replying with JSON {"name": ..., "arguments": ...}:\n${tools.map((t) => `- ${t.name}${t.description ? `: ${t.description}` : ""}`).join("\n")}`;
  const out: ChatMessage[] = [{ role: "system", content: note }];
  for (const item of history) {
    if (item.type === "system") out.push({ role: "system", content: typeof item.text === "string" ? item.text : JSON.stringify(item.text) });
    else if (item.type === "user") out.push({ role: "user", content: item.text });
    else out.push({ role: "assistant", content: item.response.filter((r): r is string => typeof r === "string").join("") });
  }
  return out;
}

/**
 * Loads a GGUF model (a path, or `hf:owner/repo/file.gguf` downloaded once to a cache) into
 * node-llama-cpp. The header is validated by Ingot's reader first, so a truncated or hostile file
 * fails with an LlmError naming the file and the problem instead of reaching llama.cpp.
 */
export async function loadLlm(pathOrRef: string, opts: LoadLlmOptions = {}): Promise<LlmEngine> {
  const sequences = opts.sequences ?? 4;
  if (!Number.isInteger(sequences) || sequences < 1) throw new LlmError("invalid_request", `sequences must be a positive integer, got ${sequences}`);
  if (opts.contextSize !== undefined && (!Number.isInteger(opts.contextSize) || opts.contextSize < 16)) {
    throw new LlmError("invalid_request", `contextSize must be an integer >= 16, got ${opts.contextSize}`);
  }
  const path = await resolveModelRef(pathOrRef, opts);
  const header = headerOf(path);
  const arch = ggufMetaString(header, "general.architecture");
  if (!arch) throw new LlmError("invalid_model", `${path}: general.architecture is missing, so llama.cpp cannot tell what model this is`);
  const known = await knownArchitectures();
  if (!known.has(arch)) throw new LlmError("invalid_model", `${path}: unknown architecture "${arch}" (llama.cpp knows ${[...known].slice(0, 12).join(", ")}, ...)`);
  const gpu = opts.gpu ?? "auto";
  const llama = await sharedLlama(gpu);
  let model: LlamaModel;
  try {
    recentLog.length = 0;
    model = await llama.loadModel({ modelPath: path, gpuLayers: gpu === false ? 0 : "auto" });
  } catch (e) {
    const why = recentLog.filter((l) => /error|fail|missing|wrong|invalid|unknown/i.test(l)).slice(-3).join("; ");
    throw new LlmError("invalid_model", `${path}: llama.cpp cannot load it: ${(e as Error).message}${why ? ` (${why})` : ""}`, { cause: e });
  }
  try {
    const train = ggufMetaNumber(header, `${arch}.context_length`) ?? model.trainContextSize;
    const contextSize = opts.contextSize ?? Math.min(train, 4096);
    const threads = opts.threads ?? Math.max(1, Math.floor(availableParallelism() / 2));
    const context = await model.createContext({ contextSize, sequences, threads });
    const seqs = Array.from({ length: sequences }, () => context.getSequence());
    const { resolveChatWrapper } = await import("node-llama-cpp");
    const chatWrapper = resolveChatWrapper(model);
    const engine = new LlamaEngine(path, header, llama, model, context, chatWrapper, seqs);
    if (opts.embedding) await (engine as unknown as { embeddingContext(): Promise<unknown> }).embeddingContext();
    return engine;
  } catch (e) {
    await model.dispose();
    if (e instanceof LlmError) throw e;
    throw new LlmError("invalid_model", `${path}: cannot create a context: ${(e as Error).message}`, { cause: e });
  }
}
