use saphyr_parser::{Event, Parser};
fn main() {
    let text = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let chars: Vec<char> = text.chars().collect();
    let mut p = Parser::new_from_str(&text);
    while let Some(ev) = p.next_event() {
        let (ev, span) = ev.unwrap();
        if let Event::Scalar(v, style, _, _) = &ev {
            let s: String = chars[span.start.index()..span.end.index()].iter().collect();
            println!(
                "{:?} {:?} [{}..{}] src={:?}",
                style,
                v,
                span.start.index(),
                span.end.index(),
                s
            );
        } else {
            println!("{:?} {}..{}", ev, span.start.index(), span.end.index());
        }
    }
}
