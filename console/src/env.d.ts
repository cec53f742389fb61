// esbuild bundles the stylesheets the code imports into app.css
declare module '*.css';
