-- One database per Visage process that keeps SQL data; each creates its own tables at start.
CREATE DATABASE identification;
CREATE DATABASE liveness;
CREATE DATABASE gateway;
