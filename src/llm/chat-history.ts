// OpenAI-style messages → node-llama-cpp's chat history. Tool results are folded into the function
// call they answer (node-llama-cpp keeps a call and its result together inside the model's response).
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from "node-llama-cpp";
import type { ChatMessage } from "./engine.js";
import { LlmError } from "./errors.js";

function parseArguments(json: string, where: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw new LlmError("invalid_request", `${where}: arguments are not valid JSON`);
  }
}

/** Converts chat messages to a chat history; throws LlmError naming the bad message. */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  if (!Array.isArray(messages) || messages.length === 0) throw new LlmError("invalid_request", "messages: at least one message is required");
  const history: ChatHistoryItem[] = [];
  const calls = new Map<string, ChatModelFunctionCall>();
  messages.forEach((m, i) => {
    const where = `messages[${i}]`;
    if (typeof m?.content !== "string") throw new LlmError("invalid_request", `${where}.content: expected a string`);
    switch (m.role) {
      case "system":
        history.push({ type: "system", text: m.content });
        return;
      case "user":
        history.push({ type: "user", text: m.content });
        return;
      case "assistant": {
        const response: ChatModelResponse["response"] = m.content ? [m.content] : [];
        for (const [j, c] of (m.toolCalls ?? []).entries()) {
          const call: ChatModelFunctionCall = { type: "functionCall", name: c.name, params: parseArguments(c.arguments, `${where}.toolCalls[${j}]`), result: undefined };
          calls.set(c.id, call);
          response.push(call);
        }
        history.push({ type: "model", response });
        return;
      }
      case "tool": {
        const call = m.toolCallId === undefined ? undefined : calls.get(m.toolCallId);
        if (!call) throw new LlmError("invalid_request", `${where}: a tool message must answer an earlier assistant tool call (toolCallId ${JSON.stringify(m.toolCallId)} is unknown)`);
        call.result = m.content;
        return;
      }
      default:
        throw new LlmError("invalid_request", `${where}.role: expected system, user, assistant or tool, got ${JSON.stringify((m as { role: unknown }).role)}`);
    }
  });
  for (const [id, call] of calls) {
    if (call.result === undefined) throw new LlmError("invalid_request", `messages: tool call ${id} (${call.name}) has no tool message with its result`);
  }
  return history;
}
