// Vite's `?url` imports (an asset's URL as a string).
declare module '*?url' {
  const src: string;
  export default src;
}
