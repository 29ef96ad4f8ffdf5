// Request bodies of the OpenAI-compatible routes, with OpenAI's field names. Unknown fields are refused
// (as OpenAI does) so a typo is a 400 naming it, not a setting silently ignored. A few llama.cpp
// sampling extras (top_k, min_p, repeat_penalty) are accepted too, as llama.cpp's own server does.
import { z } from "zod";

const zeroOnly = (what: string) =>
  z.number().nullish().refine((v) => v === undefined || v === null || v === 0, { message: `${what} is not supported by this server; send 0 or leave it out (use repeat_penalty instead)` });

const stop = z.union([z.string(), z.array(z.string()).max(4, { message: "at most 4 stop sequences" })]).nullish();

const sampling = {
  model: z.string({ error: "expected a model name such as \"name\", \"name@2\" or \"name@production\"" }).min(1, { message: "must not be empty" }),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().min(0).nullish(),
  min_p: z.number().min(0).max(1).nullish(),
  repeat_penalty: z.number().min(0).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  stop,
  seed: z.number().int().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullish(),
  n: z.literal(1, { error: "only n=1 is supported" }).nullish(),
  user: z.string().nullish(),
  frequency_penalty: zeroOnly("frequency_penalty"),
  presence_penalty: zeroOnly("presence_penalty"),
  logit_bias: z.record(z.string(), z.number()).nullish().refine((v) => !v || Object.keys(v).length === 0, { message: "logit_bias is not supported by this server" }),
};

const textPart = z.strictObject({ type: z.literal("text", { error: "only text content parts are supported" }), text: z.string() });
const content = z.union([z.string(), z.array(textPart)], { error: "expected a string or an array of {type: \"text\", text} parts" });

const toolCall = z.strictObject({
  id: z.string(),
  type: z.literal("function"),
  function: z.strictObject({ name: z.string(), arguments: z.string() }),
});

const message = z.discriminatedUnion("role", [
  z.strictObject({ role: z.enum(["system", "developer"]), content, name: z.string().optional() }),
  z.strictObject({ role: z.literal("user"), content, name: z.string().optional() }),
  z.strictObject({ role: z.literal("assistant"), content: content.nullish(), name: z.string().optional(), tool_calls: z.array(toolCall).optional(), refusal: z.string().nullish() }),
  z.strictObject({ role: z.literal("tool"), content, tool_call_id: z.string() }),
], { error: "expected role \"system\", \"developer\", \"user\", \"assistant\" or \"tool\"" });

const jsonSchemaObject = z.record(z.string(), z.unknown());

const responseFormat = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text") }),
  z.strictObject({ type: z.literal("json_object") }),
  z.strictObject({
    type: z.literal("json_schema"),
    json_schema: z.strictObject({ name: z.string(), description: z.string().optional(), schema: jsonSchemaObject.optional(), strict: z.boolean().nullish() }),
  }),
], { error: "expected type \"text\", \"json_object\" or \"json_schema\"" });

const tool = z.strictObject({
  type: z.literal("function"),
  function: z.strictObject({ name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: "must be 1-64 letters, digits, _ or -" }), description: z.string().optional(), parameters: jsonSchemaObject.optional(), strict: z.boolean().nullish() }),
});

const toolChoice = z.union([
  z.enum(["none", "auto"], { error: "only \"none\" and \"auto\" are supported" }),
  z.strictObject({ type: z.literal("function"), function: z.strictObject({ name: z.string() }) }),
]);

/** `POST /chat/completions`. */
export const chatRequest = z.strictObject({
  ...sampling,
  messages: z.array(message).min(1, { message: "at least one message is required" }),
  max_completion_tokens: z.number().int().min(1).nullish(),
  response_format: responseFormat.nullish(),
  tools: z.array(tool).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  logprobs: z.literal(false, { error: "logprobs are not supported by this server" }).nullish(),
});

/** `POST /completions`. */
export const completionRequest = z.strictObject({
  ...sampling,
  prompt: z.union([z.string(), z.array(z.string()).length(1, { message: "only one prompt per request is supported" })], { error: "expected a string" }),
  echo: z.literal(false, { error: "echo is not supported by this server" }).nullish(),
  suffix: z.null({ error: "suffix is not supported by this server" }).optional(),
  best_of: z.literal(1, { error: "only best_of=1 is supported" }).nullish(),
  logprobs: z.null({ error: "logprobs are not supported by this server" }).optional(),
});

/** `POST /embeddings`. */
export const embeddingRequest = z.strictObject({
  model: sampling.model,
  input: z.union([z.string(), z.array(z.string()).min(1, { message: "at least one input is required" })], { error: "expected a string or an array of strings (token arrays are not supported)" }),
  encoding_format: z.enum(["float", "base64"]).nullish(),
  dimensions: z.number().int().min(1).nullish(),
  user: z.string().nullish(),
});

export type ChatRequest = z.infer<typeof chatRequest>;
export type CompletionRequest = z.infer<typeof completionRequest>;
export type EmbeddingRequest = z.infer<typeof embeddingRequest>;
export type ChatRequestMessage = ChatRequest["messages"][number];
