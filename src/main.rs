fn main() -> std::process::ExitCode {
    tuomi::cli::main()
}
