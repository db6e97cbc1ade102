import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` serves the app with hot reload and sends the API to a local portal
// (`cargo run --release -p portal-local`, on 127.0.0.1:3000 unless PORTAL_URL says otherwise).
const portal = process.env.PORTAL_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    // No source maps in what is shipped; the sources are in the repository.
    sourcemap: false,
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      "/api": portal,
      "/dev": portal,
      "/blobs": portal,
    },
  },
});
