// The Network panel's "Save All As HAR" (run in the browser window's chrome context): the same call as the
// panel's menu item, HarMenuUtils.saveAllAsHar(displayed requests, connector); Firefox's HarExporter builds and
// writes the file. Its save dialog is answered with `path`, as a user would, by a file picker registered for
// the duration of the call (the way Firefox's own tests answer it). Returns the number of requests exported.
async function saveAllAsHar(path) {
  const { require } = ChromeUtils.importESModule("resource://devtools/shared/loader/Loader.sys.mjs");
  const { gDevTools } = require("devtools/client/framework/devtools");
  const toolbox = gDevTools.getToolboxForTab(gBrowser.selectedTab);
  const panel = await toolbox.getPanelWhenReady("netmonitor");
  const win = panel.panelWin;
  const { HarMenuUtils } = win.windowRequire("resource://devtools/client/netmonitor/src/har/har-menu-utils.js");
  const { getDisplayedRequests } = win.windowRequire("resource://devtools/client/netmonitor/src/selectors/index.js");

  const target = Cc["@mozilla.org/file/local;1"].createInstance(Ci.nsIFile);
  target.initWithPath(path);
  const picker = () => ({
    QueryInterface: ChromeUtils.generateQI(["nsIFilePicker"]),
    defaultString: "",
    defaultExtension: "",
    filterIndex: 0,
    displayDirectory: null,
    init() {},
    appendFilter() {},
    appendFilters() {},
    get file() {
      return target;
    },
    open(callback) {
      const ok = Ci.nsIFilePicker.returnOK;
      Promise.resolve().then(() => (typeof callback === "function" ? callback(ok) : callback.done(ok)));
    },
  });
  const factory = {
    createInstance: iid => picker().QueryInterface(iid),
    QueryInterface: ChromeUtils.generateQI(["nsIFactory"]),
  };
  const registrar = Components.manager.QueryInterface(Ci.nsIComponentRegistrar);
  const contract = "@mozilla.org/filepicker;1";
  const original = registrar.contractIDToCID(contract);
  const cid = Services.uuid.generateUUID();
  registrar.registerFactory(cid, "har-analyzer save dialog", contract, factory);
  try {
    const requests = getDisplayedRequests(win.store.getState());
    await HarMenuUtils.saveAllAsHar(requests, win.connector);
    return requests.length;
  } finally {
    registrar.unregisterFactory(cid, factory);
    registrar.registerFactory(original, "", contract, null);
  }
}
