// Visage's gRPC services called directly from Node.js over mutual TLS, with stubs loaded at run time from the
// .proto files (no generated code): detect the faces of a photo, then enrol it as a person of a new group,
// list the groups and search for the photo. Prints one JSON line of what each call answered.
//
//   VISAGE_PHOTO=face.jpg node visage_grpc.mjs
//
// Settings (environment): VISAGE_PHOTO (required), VISAGE_DETECTION / VISAGE_IDENTIFICATION (host:port,
// default the `make run` ports localhost:50051 / :50054;
// a name, not an IP: TLS names the server it wants by DNS name only), VISAGE_CERTS (the folder `make certs` wrote,
// default ../../certs/out), VISAGE_CLIENT (the client certificate's name there, default "gateway"),
// VISAGE_PROTOS (default ../../protos), VISAGE_TENANT (default "default").
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";

const here = path.dirname(fileURLToPath(import.meta.url));
const setting = (name, fallback) => process.env[name] || fallback;
const certs = setting("VISAGE_CERTS", path.join(here, "../../certs/out"));
const client = setting("VISAGE_CLIENT", "gateway");
const photoPath = process.env.VISAGE_PHOTO;
if (!photoPath) {
  console.error("set VISAGE_PHOTO to a photo with a face");
  process.exit(2);
}

// google/api/*.proto are vendored in protos/; google/protobuf/* come with protobufjs.
const definition = protoLoader.loadSync(
  ["visage/detection/v1/detection.proto", "visage/identification/v1/identification.proto"],
  { includeDirs: [setting("VISAGE_PROTOS", path.join(here, "../../protos"))], defaults: true, oneofs: true },
);
const visage = grpc.loadPackageDefinition(definition).visage;

// The services accept any client certificate signed by their CA, and prove themselves with one it signed.
const credentials = grpc.credentials.createSsl(
  readFileSync(path.join(certs, "ca.pem")),
  readFileSync(path.join(certs, `${client}.key`)),
  readFileSync(path.join(certs, `${client}.pem`)),
);
const detection = new visage.detection.v1.DetectionService(
  setting("VISAGE_DETECTION", "localhost:50051"),
  credentials,
);
const identification = new visage.identification.v1.IdentificationService(
  setting("VISAGE_IDENTIFICATION", "localhost:50054"),
  credentials,
);

// The tenant travels as metadata (the gateway sets it from the API key; here the caller is trusted by its
// certificate). Every call gets a deadline, which the services pass on to what they call.
const metadata = new grpc.Metadata();
metadata.set("visage-tenant", setting("VISAGE_TENANT", "default"));
const call = (service, method, request) =>
  new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + 60_000);
    service[method](request, metadata, { deadline }, (error, answer) =>
      error ? reject(new Error(`${method}: ${grpc.status[error.code]} ${error.details}`)) : resolve(answer),
    );
  });

const photo = readFileSync(photoPath);
try {
  const detected = await call(detection, "Detect", { image: photo });
  const { group } = await call(identification, "CreateGroup", { name: "node example" });
  const { person } = await call(identification, "CreatePerson", { name: "Node Example", groups: [group.id] });
  const image = await call(identification, "AddPersonImage", {
    personId: person.id,
    image: { content: photo },
  });
  const groups = await call(identification, "ListGroups", {});
  const found = await call(identification, "Search", {
    parameters: { image: { content: photo }, groupIds: [group.id], limit: 1 },
  });
  console.log(
    JSON.stringify({
      faces: detected.results.detections.length,
      landmarks: detected.results.detections.map((face) => face.landmarks.length),
      groupId: group.id,
      personId: person.id,
      imageId: image.id,
      groups: groups.items.map((item) => item.name),
      found: found.persons.map((match) => ({ id: match.id, name: match.name })),
    }),
  );
} catch (error) {
  console.error(error.message);
  process.exit(1);
} finally {
  detection.close();
  identification.close();
}
