// Open the toolbox on the selected tab with the Network panel (run in the browser window's chrome context).
async function openNetmonitor() {
  const { require } = ChromeUtils.importESModule("resource://devtools/shared/loader/Loader.sys.mjs");
  const { gDevTools } = require("devtools/client/framework/devtools");
  const toolbox = await gDevTools.showToolboxForTab(gBrowser.selectedTab, { toolId: "netmonitor" });
  await toolbox.getPanelWhenReady("netmonitor");
  return Services.prefs.getBoolPref("devtools.netmonitor.persistlog");
}
