fn main() {
    std::process::exit(octolint::cli::main());
}
