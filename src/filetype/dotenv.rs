//! dotenv
