// Evaluated in Chromium's DevTools front end (the devtools://devtools/bundled/ target of the recorded tab) by
// samples/simulator/writers/devtools.py. Everything here is the front end's own code: its "Preserve log" setting,
// its Network panel, and the panel's "Export HAR (sanitized)" (NetworkLogView.exportAll -> HAR.Writer). The only
// thing replaced is the embedder: InspectorFrontendHost.save/append/close, which in Chrome write the file the
// user picked, hand each piece to the recorder through a CDP binding instead, and answer as the embedder does
// (SavedURL, AppendedToURL), so that the front end's FileOutputStream carries on.
(async (bindingName) => {
  const [Common, SDK, UI, Host, Network] = await Promise.all([
    import('./core/common/common.js'),
    import('./core/sdk/sdk.js'),
    import('./ui/legacy/legacy.js'),
    import('./core/host/host.js'),
    import('./panels/network/network.js'),
  ]);

  function answerSaves() {
    const host = Host.InspectorFrontendHost.InspectorFrontendHostInstance;
    const events = Host.InspectorFrontendHostAPI.Events;
    const send = globalThis[bindingName];
    host.save = (url, content, forceSaveAs, isBase64) => {
      send(JSON.stringify({call: 'save', url, content, isBase64}));
      host.events.dispatchEventToListeners(events.SavedURL, {url, fileSystemPath: url});
    };
    host.append = (url, content) => {
      send(JSON.stringify({call: 'append', url, content}));
      host.events.dispatchEventToListeners(events.AppendedToURL, url);
    };
    host.close = (url) => send(JSON.stringify({call: 'close', url}));
  }

  return {
    // The tab's target is known to the front end (so the first load is logged), preserve log is on, the
    // Network panel is open and the save calls come to the recorder. False while the front end is starting.
    async prepare() {
      if (!SDK.TargetManager.TargetManager.instance().primaryPageTarget()) {
        return false;
      }
      Common.Settings.Settings.instance().resolve(SDK.SDKSettings.preserveNetworkLogSettingDescriptor).set(true);
      await UI.ViewManager.ViewManager.instance().showView('network');
      answerSaves();
      return true;
    },
    // What the panel's "Export HAR (sanitized)" button does; returns how many requests it exported.
    async exportHar() {
      const view = Network.NetworkPanel.NetworkPanel.instance().networkLogView;
      const count = view.harRequests().length;
      await view.exportAll({sanitize: true});
      return count;
    },
  };
})
