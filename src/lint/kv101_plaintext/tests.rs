use super::super::LintOptions;
use super::super::test_support::run_rule;
use super::*;

const YAML: FileType = FileType::Yaml;
const JSON: FileType = FileType::Json;
const PROPS: FileType = FileType::Properties { spark: false };
const ENV: FileType = FileType::Env;
const HOCON: FileType = FileType::Hocon;

fn lint(file_type: FileType, text: &str) -> Vec<String> {
    let options =
        LintOptions { extra_credential_names: vec!["pin".into()], ..LintOptions::default() };
    run_rule(|context| check(context).findings, text, file_type, &options, &[], &[])
}

macro_rules! kv101 {
    ($($name:ident: $type:expr, $text:expr => [$($finding:expr),* $(,)?];)*) => {$(
        #[test]
        fn $name() {
            let expected: Vec<String> = vec![$($finding.to_string()),*];
            assert_eq!(lint($type, $text), expected);
        }
    )*};
}

kv101! {
    // A fresh user's report: a literal under a connection-string key was never flagged.
    opaque_connection_string: YAML,
        "connectionString: Xk29sLq8vPzR3tYw\nconn_str: \"Server=x;Database=y\"\nconnection_string: localhost:5432\n\
         a_connectionString: localhost\nb_connectionString: h1,h2,h3\nc_connectionString: \"Xk29sdfLKJ23lkjsdf0934==\"\n" =>
        ["1:19 KV101 plaintext credential in `connectionString`",
         "6:22 KV101 plaintext credential in `c_connectionString`"];
    yaml_plain_password: YAML, "db:\n  password: hunter2\n" => ["2:13 KV101 plaintext credential in `password`"];
    // A fresh user's report: key-type names that hold a private key were not names.
    yaml_private_and_signing_keys: YAML,
        "tls:\n  private_key: |\n    -----BEGIN PRIVATE KEY-----\n    MIIB\nsigningKey: abc123XYZ\n\
         encryption_key: \"k3y\"\nssh_key: AAAAB3Nza\nstorage_key: 'Xk29'\nclient_key: q\n\
         private_key_id: abc\n" => [
        "3:5 KV101 plaintext credential in `private_key`",
        "5:13 KV101 plaintext credential in `signingKey`",
        "6:18 KV101 plaintext credential in `encryption_key`",
        "7:10 KV101 plaintext credential in `ssh_key`",
        "8:15 KV101 plaintext credential in `storage_key`",
        "9:13 KV101 plaintext credential in `client_key`",
    ];
    // A fresh user's report: a line break in a key broke `concise`'s one line a finding.
    yaml_key_with_a_line_break_stays_on_one_line: YAML, "\"x\\npassword\": hunter2xyz\n" =>
        ["1:16 KV101 plaintext credential in `x\\npassword`"];
    // Where the key is kept is no secret (a second fresh user's report: many paths were
    // flagged, and any `~...` value was exempt).
    yaml_key_file_paths_never: YAML,
        "a_key: /etc/ssl/client.key\nb_key: ~/.ssh/id_rsa\nc_key: ./keys/app.pem\n\
         d_key: /home/u/.ssh/id_rsa\ne_key: $HOME/.ssh/id_rsa\nf_key: keys/client.key\n\
         g_key: client.key\nh_key: C:\\certs\\client.key\ni_key: file:///etc/ssl/c.key\n\
         j_key: dbfs:/keys/client.key\nk_key: abfss://c@acct.dfs.core.windows.net/keys/x.key\n\
         l_key: /etc/ssl/client.key.bak\nm_key: /dev/null\nn_key: /secrets/api.txt\n" => [];
    yaml_values_that_only_start_like_paths: YAML,
        "password: /Xk29sL\nssh_key: ~x\nsecret: /9j/4AAQSkZJRg==\nssl_key: s3cr3t\n" => [
        "1:11 KV101 plaintext credential in `password`",
        "2:10 KV101 plaintext credential in `ssh_key`",
        "3:9 KV101 plaintext credential in `secret`",
        "4:10 KV101 plaintext credential in `ssl_key`",
    ];
    // The finding points at the value, past its node properties (a tag, an anchor).
    yaml_value_after_node_properties: YAML,
        "a: !!str \"hunter2\"\npassword: !!str \"hunter2\"\ntoken: &x 'a b'\nsecret: !!str |\n  s3cr3t\n" => [
        "2:18 KV101 plaintext credential in `password`",
        "3:12 KV101 plaintext credential in `token`",
        "5:3 KV101 plaintext credential in `secret`",
    ];
    yaml_quoted_points_inside_quotes: YAML, "password: \"Uat-Snowfl4ke!2024\"\n" =>
        ["1:12 KV101 plaintext credential in `password`"];
    yaml_camel_and_numbered: YAML, "dbPassword: 'a'\npassword2: b\nPrimaryKey: c\n" => [
        "1:14 KV101 plaintext credential in `dbPassword`",
        "2:12 KV101 plaintext credential in `password2`",
        "3:13 KV101 plaintext credential in `PrimaryKey`",
    ];
    yaml_extra_names_from_config: YAML, "card_pin: '4711x'\n" => ["1:12 KV101 plaintext credential in `card_pin`"];
    yaml_typed_scalars_never: YAML, "password: true\ntoken: 12345\nsecret: ~\napi_key: null\n" => [];
    yaml_but_quoted_number_is_text: YAML, "password: \"12345\"\n" => [];
    yaml_mappings_and_lists_never: YAML, "password:\n  a: b\ntoken: [x, y]\nsecret:\n- z\n" => [];
    yaml_references_never: YAML, "a_password: \"$<kv:kv-app/x>\"\nb_password: \"${DB_PASS}\"\n\
        c_password: \"{{secrets/s/k}}\"\nd_password: \"<<secrets/s/k>>\"\ne_password: \"\"\n\
        f_password: $DB_PASS\ng_password: \"****\"\nh_password: changeme\ni_password: <password>\n\
        sas_token: \"?$<kv:kv-app/sas>\"\n" => [];
    yaml_malformed_and_near_miss_never: YAML, "a_password: \"$<kv:kv-app/x\"\nb_password: \"${kv:kv/x}\"\n\
        c_password: \"$<KV:kv-app/x>\"\nd_password: \"$$<kv:literal\"\n" => [];
    yaml_not_credential_names: YAML, "api_key_expiry_time: abc\nJAWS_CONFIG: abc\n\"@1password/x\": abc\n\
        password_file: /etc/pw\naccess_key_id: AKIA\nusername: u\n" => [];
    yaml_guzzle_keyvault_block: YAML, "api:\n  kv_passphrase:\n    keyvault_name: \"kv-guzzle-prod\"\n    \
        secret: \"guzzle-api-passphrase\"\n" => [];
    // Only the fields that name the secret are exempt, not their siblings (a fresh
    // user's report: one `secret_name` silenced a whole mapping, or a whole `.env`).
    yaml_sibling_of_a_secret_name_is_checked: YAML,
        "connection:\n  host: db\n  password: hunter2\n  secret_name: x\n" =>
        ["3:13 KV101 plaintext credential in `password`"];
    env_sibling_of_a_keyvault_name_is_checked: ENV, "DB_PASSWORD=hunter2\nKEYVAULT_NAME=kv-x\nSECRET=name\n" =>
        ["1:13 KV101 plaintext credential in `DB_PASSWORD`"];
    json_sibling_of_a_secret_name_is_checked: JSON, "{\"password\": \"hunter2\", \"secretName\": \"x\"}" =>
        ["1:15 KV101 plaintext credential in `password`"];
    // `secret` names the secret only beside `keyvault_name`.
    yaml_databricks_block: YAML, "databricks_secret:\n  scope: \"kv\"\n  key: \"k\"\n  secret: s3\n" =>
        ["4:11 KV101 plaintext credential in `secret`"];
    yaml_secret_beside_a_reference: YAML, "ref:\n  secretName: abc\n  secret: hunter2\n" =>
        ["3:11 KV101 plaintext credential in `secret`"];
    hocon_dotted_key_vault_block: HOCON, "a.kv_passphrase.keyvault_name = kv-app\na.kv_passphrase.secret = db-pass\n" => [];
    properties_dotted_blocks: PROPS, "a.keyvault_name=kv-app\na.secret=db-pass\nb.secret=hunter2\n\
        databricks_secret.scope=s\ndatabricks_secret.key=k\n" =>
        ["3:10 KV101 plaintext credential in `b.secret`"];
    yaml_name_value_pairs: YAML, "headers:\n- name: X-Api-Key\n  value: abc123\n- name: Accept\n  value: json\n" =>
        ["3:10 KV101 plaintext credential in `X-Api-Key`"];
    yaml_jdbc_url_with_placeholder_password: YAML,
        "jdbc_url: \"jdbc:sqlserver://h:1433;database=erp;user=u;password=$<kv:kv-dev/erp-pw>;encrypt=true\"\n" => [];
    yaml_jdbc_url_with_literal_password: YAML,
        "jdbc_url: \"jdbc:sqlserver://h:1433;database=erp;user=u;password=Secr3t;encrypt=true\"\n" =>
        ["1:65 KV101 plaintext credential in `jdbc_url`: `password=` holds a literal value"];
    yaml_url_userinfo: YAML, "url: postgres://app:pa55@db:5432/x\n" =>
        ["1:21 KV101 plaintext credential in `url`: `user:password@` holds a literal value"];
    yaml_sas_url: YAML, "landing: \"https://a.blob.core.windows.net/c?sv=1&sig=AbC\"\n" =>
        ["1:54 KV101 plaintext credential in `landing`: `sig=` holds a literal value"];
    yaml_connection_string_without_credentials: YAML,
        "connection_string: \"Server=x;Database=y;Authentication=Active Directory Managed Identity\"\n" => [];
    yaml_connection_string_with_key: YAML,
        "connection_string: \"DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc==\"\n" =>
        ["1:77 KV101 plaintext credential in `connection_string`: `AccountKey=` holds a literal value"];
    json_string_values: JSON, "{\"ERP_SQL_PASSWORD\": \"x1\", \"n\": {\"token\": 5, \"secret\": \"y\"}}" => [
        "1:23 KV101 plaintext credential in `ERP_SQL_PASSWORD`",
        "1:57 KV101 plaintext credential in `secret`",
    ];
    json_adf_secure_string: JSON, "{\"password\": {\"type\": \"SecureString\", \"value\": \"pw1\"}}" =>
        ["1:49 KV101 plaintext credential in `password`"];
    json_adf_key_vault_reference: JSON, "{\"servicePrincipalKey\": {\"type\": \"AzureKeyVaultSecret\", \
        \"store\": {\"referenceName\": \"ls\"}, \"secretName\": \"spn-secret\"}}" => [];
    json_arrays_of_arguments_never: JSON, "{\"parameters\": [\"--jdbc-password\", \"pw\"]}" => [];
    properties_separators: PROPS, "password=pw1\nkey.secret : pw2\napi.token pw3\n# password=pw4\n" => [
        "1:10 KV101 plaintext credential in `password`",
        "2:14 KV101 plaintext credential in `key.secret`",
        "3:11 KV101 plaintext credential in `api.token`",
    ];
    properties_spark_conf: FileType::Properties { spark: true },
        "spark.hadoop.javax.jdo.option.ConnectionPassword   hms-pw\nspark.hadoop.fs.s3a.secret.key  $<kv:kv/x>\n\
        spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net  k3y==\n" => [
        "1:52 KV101 plaintext credential in `spark.hadoop.javax.jdo.option.ConnectionPassword`",
        "3:62 KV101 plaintext credential in `spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net`",
    ];
    env_values: ENV, "export DB_PASSWORD=pw1\nAPI_KEY='k2'\nTOKEN=\"${OTHER}\"\n# SECRET=x\nHOST=h # password=x\n" => [
        "1:20 KV101 plaintext credential in `DB_PASSWORD`",
        "2:10 KV101 plaintext credential in `API_KEY`",
    ];
    hocon_values: HOCON, "db {\n  password = \"pw1\"\n  user = u\n}\nevh.connection-string = \
        \"Endpoint=sb://n/;SharedAccessKey=k1\"\nx.token: ${?TOKEN}\n" => [
        "2:15 KV101 plaintext credential in `password`",
        "5:59 KV101 plaintext credential in `evh.connection-string`: `SharedAccessKey=` holds a literal value",
    ];
    yaml_bom_and_crlf: YAML, "\u{feff}password: x1\r\ndb:\r\n  token: t1\r\n" => [
        "1:11 KV101 plaintext credential in `password`",
        "3:10 KV101 plaintext credential in `token`",
    ];
    properties_crlf: PROPS, "a=1\r\npassword = pw\r\n" => ["2:12 KV101 plaintext credential in `password`"];
    text_files_never: FileType::Text, "password: hunter2\n" => [];
}

#[test]
fn messages_never_hold_the_value() {
    let canary = "CANARY-kv101-7f3a";
    for (file_type, text) in [
        (YAML, format!("password: {canary}\nurl: \"x://u:{canary}@h\"\n")),
        (JSON, format!("{{\"secret\": \"{canary}\"}}")),
        (ENV, format!("TOKEN={canary}\n")),
    ] {
        let found = lint(file_type, &text);
        assert!(!found.is_empty());
        assert!(found.iter().all(|f| !f.contains(canary)), "{found:?}");
    }
}

#[test]
fn span_covers_exactly_the_value() {
    let text = "a:\n  password: \"p w\"  # c\n";
    let items = crate::scan::scan(text);
    let context = Context {
        path: "f".as_ref(),
        text,
        file_type: YAML,
        items: &items,
        sites: &[],
        pairs: &super::super::pairs::extract(YAML, text),
        options: &LintOptions::default(),
    };
    let found = check(&context).findings;
    assert_eq!(&text[found[0].span.range()], "p w");
}

#[test]
fn literal_text_beside_a_malformed_placeholder_is_masked() {
    let text = "password: \"CANARY-9f8e$<kv:kv-app/db-pass\"\nuser: \"u$<kv:a\"\n";
    let items = crate::scan::scan(text);
    let sites = vec![crate::filetype::Site { in_comment: false, whole_value: true }; items.len()];
    let pairs = super::super::pairs::extract(YAML, text);
    let options = LintOptions::default();
    let context = Context {
        path: "f.yml".as_ref(),
        text,
        file_type: YAML,
        items: &items,
        sites: &sites,
        pairs: &pairs,
        options: &options,
    };
    let checked = check(&context);
    assert!(checked.findings.is_empty());
    let masked: Vec<&str> = checked.masks.iter().map(|r| &text[r.clone()]).collect();
    assert_eq!(masked, ["CANARY-9f8e"]);
}
