import { decideAgain } from "../../app/decide-again.js";

/**
 * Captures the decisions the app schedules for later (a soak or a freeze ending), so a test
 * runs one when it says, instead of waiting for it. `restore` puts the real timer back.
 */
export function captureDecideAgain(): { due: Array<{ run: () => void; ms: number }>; restore: () => void } {
  const due: Array<{ run: () => void; ms: number }> = [];
  const realTimer = decideAgain.setTimer;
  decideAgain.setTimer = (run, ms) => {
    due.push({ run, ms });
    return setTimeout(() => {}, 0);
  };
  return { due, restore: () => void (decideAgain.setTimer = realTimer) };
}
