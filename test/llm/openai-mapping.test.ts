// The pure translation between OpenAI request/response objects and the engine contract (no engine needed).
import assert from "node:assert/strict";
import { test } from "node:test";
import { OpenAiError } from "../../src/llm/openai/errors.js";
import { base64Embedding, chatCompletion, toChatMessages, toChatOptions } from "../../src/llm/openai/mapping.js";
import { chatRequest, type ChatRequest } from "../../src/llm/openai/schemas.js";

const req = (extra: Record<string, unknown>): ChatRequest => chatRequest.parse({ model: "m", messages: [{ role: "user", content: "hi" }], ...extra });

test("messages: developer is a system message, text parts join, tool calls and answers keep their ids", () => {
  const parsed = chatRequest.parse({
    model: "m",
    messages: [
      { role: "developer", content: "be brief" },
      { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{\"x\":1}" } }] },
      { role: "tool", tool_call_id: "call_1", content: "42" },
    ],
  });
  assert.deepEqual(toChatMessages(parsed.messages), [
    { role: "system", content: "be brief" },
    { role: "user", content: "ab" },
    { role: "assistant", content: "", toolCalls: [{ id: "call_1", name: "f", arguments: "{\"x\":1}" }] },
    { role: "tool", content: "42", toolCallId: "call_1" },
  ]);
});

test("options: sampling names, stop as a list, max_completion_tokens over max_tokens, JSON formats and tool_choice", () => {
  assert.deepEqual(toChatOptions(req({ temperature: 0.5, top_p: 0.9, top_k: 40, seed: 3, max_tokens: 10, max_completion_tokens: 7, stop: "\n" })), {
    temperature: 0.5, topP: 0.9, topK: 40, seed: 3, maxTokens: 7, stop: ["\n"],
  });
  assert.deepEqual(toChatOptions(req({ response_format: { type: "json_object" } })).jsonSchema, { type: "object" });
  const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }, { type: "function", function: { name: "g" } }];
  assert.deepEqual(toChatOptions(req({ tools })).tools?.map((t) => t.name), ["f", "g"]);
  assert.equal(toChatOptions(req({ tools, tool_choice: "none" })).tools, undefined);
  assert.deepEqual(toChatOptions(req({ tools, tool_choice: { type: "function", function: { name: "g" } } })).tools, [{ name: "g" }]);
  assert.throws(() => toChatOptions(req({ tools, tool_choice: { type: "function", function: { name: "h" } } })), (e: unknown) => e instanceof OpenAiError && e.param === "tool_choice.function.name");
  assert.throws(() => toChatOptions(req({ tools, response_format: { type: "json_object" } })), (e: unknown) => e instanceof OpenAiError && e.param === "response_format");
});

test("a completion with tool calls has null content and finish_reason tool_calls", () => {
  const out = chatCompletion({ id: "x", created: 1, model: "m@1" }, {
    text: "", finishReason: "tool_calls", toolCalls: [{ id: "call_9", name: "f", arguments: "{}" }], promptTokens: 3, completionTokens: 4, timeToFirstTokenMs: 1, totalMs: 2,
  }) as { choices: Array<{ message: { content: unknown; tool_calls: unknown }; finish_reason: string }>; usage: unknown };
  assert.equal(out.choices[0].message.content, null);
  assert.deepEqual(out.choices[0].message.tool_calls, [{ id: "call_9", type: "function", function: { name: "f", arguments: "{}" } }]);
  assert.equal(out.choices[0].finish_reason, "tool_calls");
  assert.deepEqual(out.usage, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
});

test("base64 embeddings are little-endian float32, as OpenAI clients decode them", () => {
  const v = [0.5, -1.25, 3e-8];
  const bytes = Buffer.from(base64Embedding(v), "base64");
  assert.deepEqual(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 3)), Array.from(Float32Array.from(v)));
});
