// Preloaded into the app process by the test harness and the demo (node --import): when the
// process that started us goes away, however it goes, our stdin closes and we follow it.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
