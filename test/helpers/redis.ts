import { connect } from "node:net";

/** Redis's CLIENT LIST, over a plain socket: one line per connected client; null when no Redis answers. */
export async function redisClients(): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = connect(6379, "127.0.0.1");
    let answer = "";
    socket.once("error", () => resolve(null));
    socket.on("data", (chunk) => {
      answer += chunk.toString();
      const header = /^\$(\d+)\r\n/.exec(answer);
      if (header && answer.length >= header[0].length + Number(header[1])) {
        socket.end();
        resolve(answer.slice(header[0].length).trim().split("\n").length);
      }
    });
    socket.write("*2\r\n$6\r\nCLIENT\r\n$4\r\nLIST\r\n");
  });
}

/** Whether Redis answers on 127.0.0.1:6379 (our machines and CI run one). */
export const redisAnswers = async () => (await redisClients()) !== null;
