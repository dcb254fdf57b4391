package web

func (s *Server) leaderPages(page func(string, pageHandler)) {}
