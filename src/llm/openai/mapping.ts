// Pure translation between OpenAI's request/response objects and the engine contract (src/llm/engine.ts):
// messages and sampling settings in, completions, chunks and embeddings out.
import type { ChatMessage, LlmGenerateOptions, GenerateResult, ToolCall, ToolDefinition } from "../engine.js";
import { invalidParam } from "./errors.js";
import type { ChatRequest, ChatRequestMessage, CompletionRequest } from "./schemas.js";

/** OpenAI's finish reasons. */
export type FinishReason = "stop" | "length" | "tool_calls";

/** Token counts as OpenAI reports them. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

function text(content: ChatRequestMessage["content"]): string {
  if (content === null || content === undefined) return "";
  return typeof content === "string" ? content : content.map((p) => p.text).join("");
}

/** OpenAI messages as engine messages ("developer" is a system message). */
export function toChatMessages(messages: ChatRequestMessage[]): ChatMessage[] {
  return messages.map((m): ChatMessage => {
    if (m.role === "tool") return { role: "tool", content: text(m.content), toolCallId: m.tool_call_id };
    if (m.role === "assistant") {
      const calls = m.tool_calls?.map((c): ToolCall => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
      return { role: "assistant", content: text(m.content), ...(calls?.length && { toolCalls: calls }) };
    }
    return { role: m.role === "developer" ? "system" : m.role, content: text(m.content) };
  });
}

/** Sampling settings shared by chat and completions; `maxTokens` prefers max_completion_tokens. */
export function toSamplingOptions(req: ChatRequest | CompletionRequest): LlmGenerateOptions {
  const o: LlmGenerateOptions = {};
  if (req.temperature != null) o.temperature = req.temperature;
  if (req.top_p != null) o.topP = req.top_p;
  if (req.top_k != null) o.topK = req.top_k;
  if (req.min_p != null) o.minP = req.min_p;
  if (req.repeat_penalty != null) o.repeatPenalty = req.repeat_penalty;
  if (req.seed != null) o.seed = req.seed;
  const max = ("max_completion_tokens" in req ? req.max_completion_tokens : null) ?? req.max_tokens;
  if (max != null) o.maxTokens = max;
  if (req.stop != null) o.stop = typeof req.stop === "string" ? [req.stop] : req.stop;
  return o;
}

/** The chat request's generation options: sampling, JSON output (response_format) and tools (tool_choice). */
export function toChatOptions(req: ChatRequest): LlmGenerateOptions {
  const o = toSamplingOptions(req);
  const format = req.response_format;
  if (format?.type === "json_object") o.jsonSchema = { type: "object" };
  if (format?.type === "json_schema") o.jsonSchema = format.json_schema.schema ?? { type: "object" };
  let tools: ToolDefinition[] = (req.tools ?? []).map((t) => ({
    name: t.function.name, ...(t.function.description !== undefined && { description: t.function.description }), ...(t.function.parameters && { parameters: t.function.parameters }),
  }));
  const choice = req.tool_choice;
  if (choice === "none") tools = [];
  else if (choice && typeof choice === "object") {
    // a named function: only that one is offered (the engine cannot force a call)
    tools = tools.filter((t) => t.name === choice.function.name);
    if (!tools.length) throw invalidParam("tool_choice.function.name", `"${choice.function.name}" is not one of the tools`);
  }
  if (tools.length && o.jsonSchema) throw invalidParam("response_format", "cannot be combined with tools");
  if (tools.length) o.tools = tools;
  return o;
}

/** The completion request's single prompt. */
export function promptOf(req: CompletionRequest): string {
  return typeof req.prompt === "string" ? req.prompt : req.prompt[0];
}

/** The engine's finish reason in OpenAI's terms (an aborted generation had no one to tell). */
export function finishReason(r: GenerateResult): FinishReason {
  if (r.toolCalls.length) return "tool_calls";
  return r.finishReason === "length" ? "length" : r.finishReason === "tool_calls" ? "tool_calls" : "stop";
}

/** The usage object of a generation. */
export function usageOf(r: Pick<GenerateResult, "promptTokens" | "completionTokens">): Usage {
  return { prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens };
}

/** Tool calls as OpenAI's `tool_calls` (with `index` when streamed). */
export function toolCallsOf(calls: ToolCall[], streamed = false): Array<{ index?: number; id: string; type: "function"; function: { name: string; arguments: string } }> {
  return calls.map((c, i) => ({ ...(streamed && { index: i }), id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } }));
}

/** What every response object starts with. */
export interface ResponseHead {
  id: string;
  created: number;
  /** The served model as `name@version`, so a client sees which version answered. */
  model: string;
}

/** A `chat.completion` object. */
export function chatCompletion(head: ResponseHead, r: GenerateResult): Record<string, unknown> {
  const calls = r.toolCalls.length ? toolCallsOf(r.toolCalls) : undefined;
  return {
    ...head, object: "chat.completion", system_fingerprint: head.model,
    choices: [{ index: 0, message: { role: "assistant", content: calls && r.text === "" ? null : r.text, refusal: null, ...(calls && { tool_calls: calls }) }, logprobs: null, finish_reason: finishReason(r) }],
    usage: usageOf(r),
  };
}

/** A `chat.completion.chunk` with one delta (or a final one with the finish reason). */
export function chatChunk(head: ResponseHead, delta: Record<string, unknown>, finish: FinishReason | null = null): Record<string, unknown> {
  return { ...head, object: "chat.completion.chunk", system_fingerprint: head.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
}

/** A `text_completion` object (also each streamed chunk, with the new text). */
export function textCompletion(head: ResponseHead, text: string, finish: FinishReason | null, usage?: Usage): Record<string, unknown> {
  return { ...head, object: "text_completion", system_fingerprint: head.model, choices: [{ index: 0, text, logprobs: null, finish_reason: finish }], ...(usage && { usage }) };
}

/** A vector as OpenAI's base64 encoding: little-endian float32 bytes. */
export function base64Embedding(v: number[]): string {
  const bytes = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => bytes.writeFloatLE(x, i * 4));
  return bytes.toString("base64");
}

/** The `list` of embeddings. */
export function embeddingList(model: string, vectors: number[][], encoding: "float" | "base64", promptTokens: number): Record<string, unknown> {
  return {
    object: "list", model,
    data: vectors.map((v, index) => ({ object: "embedding", index, embedding: encoding === "base64" ? base64Embedding(v) : v })),
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
