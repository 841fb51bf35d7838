/// <reference types="vite/client" />

/** Virtual module from @vitejs/plugin-react: Fast Refresh preamble in dev, empty in builds. */
declare module '@vitejs/plugin-react/preamble' {}
