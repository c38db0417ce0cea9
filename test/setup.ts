// Loaded before every test file (.mocharc.json). The AWS SDK warns once per process that its 2027
// releases need Node 22; on the Node 20 CI machines that line is noise in every emulator test's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
