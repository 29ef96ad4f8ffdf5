// The contract between the LLM runtime (node-llama-cpp behind it) and what serves it (the
// OpenAI-compatible routes, prompt evaluation, the retrieval assistant), so each can be built and tested
// on its own.

/** One chat message, OpenAI's roles. */
export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** For role "tool": the call this message answers. */
  toolCallId?: string;
  /** For role "assistant": calls it made. */
  toolCalls?: ToolCall[];
}

/** A function the model may call, described by a JSON schema of its parameters. */
export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON schema of the arguments object. */
  parameters?: Record<string, unknown>;
}

/** A call the model made: arguments are the JSON text it produced. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Sampling settings, llama.cpp's meaning. */
export interface LlmSamplingOptions {
  /** 0 = greedy. */
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  /** Penalty on tokens already generated (1 = none). */
  repeatPenalty?: number;
  seed?: number;
  /** Most tokens to generate. */
  maxTokens?: number;
  /** Generation stops before any of these strings; they are not part of the text. */
  stop?: string[];
}

/** One generation request. */
export interface LlmGenerateOptions extends LlmSamplingOptions {
  /** Constrain the output to JSON matching this schema (grammar-constrained sampling). */
  jsonSchema?: Record<string, unknown>;
  /** Functions the model may call (chat only). */
  tools?: ToolDefinition[];
  /**
   * Whether the model must call a tool (OpenAI's tool_choice): "auto" (default) lets the model decide
   * through its chat template's function-call syntax; "required" or `{ name }` constrains the output
   * with a grammar to one call of one (or the named) tool; "none" ignores the tools.
   */
  toolChoice?: "auto" | "none" | "required" | { name: string };
  /** Called with each new piece of text as it is generated (streaming). */
  onText?: (text: string) => void;
  signal?: AbortSignal;
}

/** What a generation produced. */
export interface GenerateResult {
  text: string;
  finishReason: "stop" | "length" | "tool_calls" | "abort";
  toolCalls: ToolCall[];
  promptTokens: number;
  completionTokens: number;
  /** Milliseconds from the call to the first generated token. */
  timeToFirstTokenMs: number;
  /** Milliseconds the whole call took. */
  totalMs: number;
}

/** What a loaded model is. */
export interface LlmInfo {
  /** The file it was loaded from. */
  path: string;
  /** general.name, or the file name. */
  name: string;
  /** general.architecture (llama, gpt2, ...). */
  architecture: string;
  parameters: number;
  /** The file type / quantisation (F32, F16, Q8_0, Q4_K_M, ...). */
  quantization: string;
  /** Training context length and the context the runtime allocated. */
  trainContextLength: number;
  contextLength: number;
  embeddingLength: number;
  vocabularySize: number;
  /** Whether layers are offloaded to a GPU. */
  gpu: string | false;
}

/** A loaded LLM, safe to call concurrently (requests run on separate sequences or queue). */
export interface LlmEngine {
  readonly info: LlmInfo;
  /** Chat with the model's own chat template. */
  chat(messages: ChatMessage[], opts?: LlmGenerateOptions): Promise<GenerateResult>;
  /** Plain completion of a prompt. */
  complete(prompt: string, opts?: LlmGenerateOptions): Promise<GenerateResult>;
  /** One embedding vector per text. */
  embed(texts: string[]): Promise<number[][]>;
  tokenize(text: string): Promise<number[]>;
  detokenize(tokens: number[]): Promise<string>;
  /** Requests waiting for a free sequence. */
  queueLength(): number;
  close(): Promise<void>;
}
