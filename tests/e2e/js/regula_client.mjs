// Calls a running Visage with Regula's own JavaScript client; prints one JSON object for the Python test.
// The client takes extra headers through axios' baseOptions, which is how it sends the API key.
import fs from "node:fs";
import { FaceSdk, ImageSource } from "@regulaforensics/facesdk-webclient";

const { VISAGE_URL: basePath, VISAGE_KEY: key, VISAGE_PHOTO: photo } = process.env;
const face = fs.readFileSync(photo).buffer;
const withKey = new FaceSdk({ basePath, baseOptions: { headers: { Authorization: `Bearer ${key}` } } });
const withoutKey = new FaceSdk({ basePath });

const detected = await withKey.matchingApi.detect({ image: face });
const matched = await withKey.matchingApi.match({
  images: [
    { type: ImageSource.LIVE, data: face, index: 1 },
    { type: ImageSource.DOCUMENT_PRINTED, data: face, index: 2 },
  ],
});
const group = await withKey.groupApi.createGroup({ name: "js client", metadata: {} });
let refusedStatus = null;
try {
  await withoutKey.matchingApi.detect({ image: face });
} catch (error) {
  refusedStatus = error.response?.status ?? String(error);
}
console.log(JSON.stringify({
  faces: detected.results.detections.length,
  similarity: matched.results[0].similarity,
  groupId: group.id,
  refusedStatus,
}));
