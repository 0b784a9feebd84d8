// Registers the "AckScope" panel. The panel page must also be a build input (vite.config.ts).
chrome.devtools.panels.create('AckScope', 'icons/16.png', 'src/panel/index.html');
